"""Every API error has the JSON shape of API.md: {"code", "message", "fields"?}."""

import json

import pytest
from django.test import RequestFactory

from crm.common.views import server_error
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_unauthenticated_is_401_not_authenticated(api):
    response = api().get("/api/v1/accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"]


def test_token_endpoint_returns_a_token_and_the_token_authenticates(api, org):
    response = api().post("/api/v1/auth/token/", {"username": "sam",
                                                   "password": "pw-for-tests-1"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/accounts/").status_code == 200


def test_bad_credentials_are_a_validation_error(api, org):
    response = api().post("/api/v1/auth/token/", {"username": "sam", "password": "nope"},
                          format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_unknown_api_path_is_json_404(api, org):
    response = api(org.sam).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_missing_record_is_json_404(api, org):
    response = api(org.sam).get("/api/v1/accounts/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405(api, org):
    response = api(org.sam).delete("/api/v1/users/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_validation_error_lists_each_field(api, org):
    response = api(org.sam).post("/api/v1/accounts/", {"website": "not a url",
                                                       "annual_revenue": "-5"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"name", "website", "annual_revenue"}
    assert body["fields"]["annual_revenue"] == ["Annual revenue cannot be negative."]
    assert "name" in body["message"]


def test_change_without_permission_is_403(api, org):
    account = AccountFactory(owner=org.tom)
    response = api(org.sam).patch(f"/api/v1/accounts/{account.pk}/", {"name": "Mine"},
                                  format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_stale_if_match_is_412_and_fresh_one_succeeds(api, org):
    account = AccountFactory(owner=org.sam)
    client = api(org.sam)
    etag = client.get(f"/api/v1/accounts/{account.pk}/")["ETag"]
    assert client.patch(f"/api/v1/accounts/{account.pk}/", {"name": "First"}, format="json",
                        HTTP_IF_MATCH=etag).status_code == 200
    response = client.patch(f"/api/v1/accounts/{account.pk}/", {"name": "Second"},
                            format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    account.refresh_from_db()
    assert account.name == "First"


def test_idempotency_key_replays_the_first_response_and_creates_once(api, org):
    client = api(org.sam)
    body = {"name": "Once Only Ltd"}
    first = client.post("/api/v1/accounts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/api/v1/accounts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert json.loads(second.content)["id"] == first.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    from crm.customers.models import Account

    assert Account.objects.filter(name="Once Only Ltd").count() == 1


def test_idempotency_key_reused_with_another_body_is_refused(api, org):
    client = api(org.sam)
    client.post("/api/v1/accounts/", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = client.post("/api/v1/accounts/", {"name": "B"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_throttled_requests_get_429_with_retry_after(api, org, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    rates = dict(api_settings.DEFAULT_THROTTLE_RATES, user="3/min")
    UserRateThrottle.THROTTLE_RATES = rates
    try:
        client = api(org.sam)
        codes = [client.get("/api/v1/teams/").status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200]
        response = client.get("/api/v1/teams/")
        assert response.status_code == 429
        assert response.json()["code"] == "rate_limited"
        assert int(response["Retry-After"]) >= 1
    finally:
        UserRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_server_error_on_api_path_is_json():
    request = RequestFactory().get("/api/v1/accounts/")
    response = server_error(request)
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"


def test_schema_and_offline_swagger_ui_are_served(api, org):
    client = api(org.sam)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/accounts/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
