"""`/api/v1/assistant/cards/` with `dismiss/` and `snooze/` (API.md)."""

from datetime import timedelta

import pytest

from crm.assistant import engine
from crm.assistant.models import Card, CardState

from .conftest import NOW
from .factories import LeadFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/assistant/cards/"


@pytest.fixture
def sams_card(clock, org):
    LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50), company="Fabrikam")
    engine.scan()
    return Card.objects.get()


def test_the_list_holds_the_callers_active_cards(api, org, clock, django_assert_max_num_queries):
    for _ in range(35):
        LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50))
    LeadFactory(owner=org.tom, created_at=NOW - timedelta(hours=50))
    engine.scan()
    Card.objects.filter(user=org.sam).order_by("id").first().delete()

    client = api(org.sam)
    with django_assert_max_num_queries(6):
        body = client.get(URL, {"page_size": 50}).json()
    assert set(body) >= {"next", "previous", "results"}
    assert len(body["results"]) == 34
    first = body["results"][0]
    assert first["kind"] == "lead_not_contacted" and first["priority"] == "high"
    assert first["record_type"] == "lead" and first["state"] == "active"
    assert first["due_date"] == "2026-11-30"
    assert first["record_url"].endswith(f"/leads/{first['record_id']}/")


def test_snoozed_and_dismissed_cards_leave_the_list(api, org, sams_card):
    client = api(org.sam)
    response = client.post(f"{URL}{sams_card.pk}/snooze/", {"until": "2026-12-01T08:00:00Z"},
                           format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "snoozed"
    assert response.json()["snoozed_until"] == "2026-12-01T08:00:00Z"
    assert client.get(URL).json()["results"] == []


def test_snooze_without_a_time_uses_the_default(api, org, sams_card):
    body = api(org.sam).post(f"{URL}{sams_card.pk}/snooze/", {}, format="json").json()

    assert body["snoozed_until"] == "2026-11-30T11:00:00Z"  # high priority: one hour


def test_snooze_into_the_past_is_a_validation_error(api, org, sams_card):
    response = api(org.sam).post(f"{URL}{sams_card.pk}/snooze/",
                                 {"until": "2026-11-01T08:00:00Z"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "until" in response.json()["fields"]


def test_dismiss(api, org, sams_card):
    response = api(org.sam).post(f"{URL}{sams_card.pk}/dismiss/")

    assert response.status_code == 200 and response.json()["state"] == "dismissed"
    sams_card.refresh_from_db()
    assert sams_card.state == CardState.DISMISSED


def test_another_users_card_is_not_found(api, org, sams_card):
    for user in (org.maria, org.admin, org.olga):
        response = api(user).post(f"{URL}{sams_card.pk}/dismiss/")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_anonymous_callers_are_refused(api, sams_card):
    response = api().get(URL)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_a_retried_dismiss_with_the_same_idempotency_key_answers_the_same(api, org, sams_card):
    client = api(org.sam)
    first = client.post(f"{URL}{sams_card.pk}/dismiss/", HTTP_IDEMPOTENCY_KEY="k1")
    second = client.post(f"{URL}{sams_card.pk}/dismiss/", HTTP_IDEMPOTENCY_KEY="k1")

    assert second.status_code == first.status_code == 200
    assert second["Idempotent-Replayed"] == "true"


def test_the_list_filters_by_priority_as_spelled_in_the_api(api, org, sams_card, clock):
    client = api(org.sam)

    assert [c["id"] for c in client.get(URL, {"priority": "high"}).json()["results"]] == [
        sams_card.pk]
    assert client.get(URL, {"priority": "low"}).json()["results"] == []
    assert client.get(URL, {"priority": "urgent"}).status_code == 400
