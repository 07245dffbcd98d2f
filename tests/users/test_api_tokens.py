"""Personal API tokens: `auth/tokens/` in the API and on the profile page (API.md, Authentication)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crm.users.models import ApiToken
from crm.users.services import api_token_create

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/auth/tokens/"


def bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_created_token_is_shown_once_and_only_its_hash_is_stored(api, org):
    response = api(org.sam).post(TOKENS, {"name": "Reporting script"}, format="json")
    assert response.status_code == 201
    body = response.json()
    key = body["token"]
    assert body["name"] == "Reporting script" and body["expires"] is None
    stored = ApiToken.objects.get(pk=body["id"])
    assert key not in (stored.key_hash, stored.key_start)
    assert stored.key_hash == ApiToken.hash_key(key) and len(stored.key_hash) == 64
    listed = api(org.sam).get(TOKENS).json()["results"]
    assert [t["name"] for t in listed] == ["Reporting script"]
    assert "token" not in listed[0]


def test_a_personal_token_authenticates_and_records_its_last_use(org):
    token, key = api_token_create(user=org.sam, name="cli")
    response = bearer(key).get("/api/v1/accounts/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(org, django_assert_num_queries):
    token, key = api_token_create(user=org.sam, name="cli")
    client = bearer(key)
    client.get("/api/v1/users/")  # first use: writes last_used_at
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    # the second request within the minute: the token lookup, the user list, no UPDATE
    with django_assert_num_queries(2) as ctx:
        assert client.get("/api/v1/users/").status_code == 200
    assert not any(q["sql"].startswith("UPDATE") for q in ctx.captured_queries)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    # a minute later it is written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    client.get("/api/v1/users/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_several_named_tokens_per_user(api, org):
    client = api(org.sam)
    for name in ("laptop", "ci", "reports"):
        assert client.post(TOKENS, {"name": name}, format="json").status_code == 201
    assert len(client.get(TOKENS).json()["results"]) == 3


def test_an_expired_token_is_refused_with_401(org):
    token, key = api_token_create(user=org.sam, name="short",
                                  expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(key).get("/api/v1/accounts/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_token_is_refused_with_401(api, org):
    token, key = api_token_create(user=org.sam, name="old")
    assert api(org.sam).delete(f"{TOKENS}{token.pk}/").status_code == 204
    response = bearer(key).get("/api/v1/accounts/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert api(org.sam).get(TOKENS).json()["results"] == []


def test_an_unknown_personal_key_is_401(org):
    response = bearer("crm_" + "x" * 43).get("/api/v1/accounts/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_login_token_of_auth_token_keeps_working(org):
    from tests.factories import PASSWORD

    key = APIClient().post("/api/v1/auth/token/", {"username": "sam", "password": PASSWORD},
                           format="json").json()["token"]
    assert bearer(key).get("/api/v1/accounts/").status_code == 200


def test_an_expiry_in_the_past_is_refused(api, org):
    response = api(org.sam).post(TOKENS, {"name": "x", "expires_at": "2020-01-01T00:00:00Z"},
                                 format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "expires_at" in response.json()["fields"]


def test_a_token_with_an_expiry_lists_it(api, org):
    when = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    body = api(org.sam).post(TOKENS, {"name": "month", "expires_at": when.isoformat()},
                             format="json").json()
    assert body["expires"] is not None
    assert ApiToken.objects.get(pk=body["id"]).expires_at == when


def test_a_seller_cannot_see_or_revoke_someone_elses_token(api, org):
    token, key = api_token_create(user=org.sofia, name="sofia's")
    client = api(org.sam)
    assert client.get(TOKENS, {"user": org.sofia.pk}).json()["results"] == []
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 404
    assert bearer(key).get("/api/v1/accounts/").status_code == 200


def test_an_admin_lists_and_revokes_anyones_token(api, org):
    token, key = api_token_create(user=org.sofia, name="sofia's")
    client = api(org.admin)
    assert client.get(TOKENS).json()["results"] == []  # the admin's own by default
    listed = client.get(TOKENS, {"user": org.sofia.pk}).json()["results"]
    assert [t["id"] for t in listed] == [token.pk]
    assert client.delete(f"{TOKENS}{token.pk}/").status_code == 204
    assert bearer(key).get("/api/v1/accounts/").status_code == 401


def test_the_token_list_needs_authentication(org):
    response = APIClient().get(TOKENS)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_token_list_query_count_does_not_grow_with_tokens(api, org, django_assert_max_num_queries):
    for i in range(30):
        api_token_create(user=org.admin, name=f"t{i}")
    client = api(org.admin)
    with django_assert_max_num_queries(4):
        response = client.get(TOKENS, {"page_size": 50})
    assert len(response.json()["results"]) == 30


# --- the profile page -------------------------------------------------------------------------

def test_profile_creates_a_token_and_shows_the_key_once(web, org):
    client = web(org.sam)
    response = client.post("/profile/tokens/", {"name": "Laptop", "expires_in": "30"})
    assert response.status_code == 302 and response["Location"] == "/profile/"
    token = ApiToken.objects.get(user=org.sam)
    assert token.expires_at is not None
    page = client.get("/profile/").content.decode()
    key = page.split("data-new-token>")[1].split("<")[0]
    assert key.startswith("crm_") and ApiToken.hash_key(key) == token.key_hash
    assert "Laptop" in page
    again = client.get("/profile/").content.decode()
    assert key not in again and "Laptop" in again
    assert bearer(key).get("/api/v1/accounts/").status_code == 200


def test_profile_refuses_a_token_without_a_name(web, org):
    response = web(org.sam).post("/profile/tokens/", {"name": ""})
    assert response.status_code == 400
    assert response.context["token_form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_profile_revokes_a_token(web, org):
    token, key = api_token_create(user=org.sam, name="Laptop")
    client = web(org.sam)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert bearer(key).get("/api/v1/accounts/").status_code == 401
    assert "Laptop" not in client.get("/profile/").content.decode().split("api-tokens")[1]


def test_profile_cannot_revoke_someone_elses_token(web, org):
    token, key = api_token_create(user=org.sofia, name="sofia's")
    assert web(org.sam).post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert bearer(key).get("/api/v1/accounts/").status_code == 200


def test_admin_revoke_action(web, org):
    token, key = api_token_create(user=org.sofia, name="sofia's")
    response = web(org.admin).post("/admin/users/apitoken/", {
        "action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert bearer(key).get("/api/v1/accounts/").status_code == 401
