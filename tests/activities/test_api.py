from datetime import timedelta

import pytest
from django.utils import timezone

from crm.activities import aggregation
from crm.activities.models import Activity
from tests.factories import ContactFactory
from tests.opportunities.factories import OpportunityFactory

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db


def test_an_integrator_creates_completes_and_reads_an_activity(org, api, on_commit):
    contact = ContactFactory(owner=org.sam)
    client = api(org.sam)
    with on_commit():
        created = client.post("/api/v1/activities/", {
            "kind": "task", "subject": "Send the proposal", "regarding_type": "contact",
            "regarding_id": contact.pk, "due_at": (timezone.now() + timedelta(days=2))
            .isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["regarding_type"], body["regarding_id"]) == (
        "open", "contact", contact.pk)
    with on_commit():
        done = client.post(f"/api/v1/activities/{body['id']}/complete/")
    assert done.status_code == 200 and done.json()["state"] == "completed"
    again = client.post(f"/api/v1/activities/{body['id']}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"


def test_creating_on_an_unreadable_record_is_a_validation_error(org, api):
    secret = OpportunityFactory(owner=org.olga)
    response = api(org.sam).post("/api/v1/activities/", {
        "kind": "note", "description": "x", "regarding_type": "opportunity",
        "regarding_id": secret.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["regarding_id"] == ["No such record."]


def test_a_stale_if_match_is_refused(org, api):
    task = ActivityFactory(owner=org.sam)
    response = api(org.sam).patch(f"/api/v1/activities/{task.pk}/", {"subject": "New"},
                                  format="json", HTTP_IF_MATCH='"99"')
    assert response.status_code == 412


def test_another_teams_activity_is_404_and_a_teammates_is_403_to_change(org, api):
    theirs, teammates = ActivityFactory(owner=org.olga), ActivityFactory(owner=org.sofia)
    client = api(org.sam)
    assert client.get(f"/api/v1/activities/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/activities/{teammates.pk}/").status_code == 200
    assert client.post(f"/api/v1/activities/{teammates.pk}/complete/").status_code == 403


def test_the_state_changes_only_through_actions(org, api):
    task = ActivityFactory(owner=org.sam)
    response = api(org.sam).patch(f"/api/v1/activities/{task.pk}/", {"state": "completed"},
                                  format="json")
    assert response.status_code == 400


def test_deleting_an_activity_through_the_api(org, api):
    task = ActivityFactory(owner=org.sam)
    assert api(org.sam).delete(f"/api/v1/activities/{task.pk}/").status_code == 204
    assert not Activity.objects.exists()


def test_the_activity_list_costs_a_fixed_number_of_queries(org, api,
                                                          django_assert_max_num_queries):
    for _ in range(40):
        ActivityFactory(owner=org.sam)
    client = api(org.sam)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/activities/?page_size=50")
    assert len(response.json()["results"]) == 40


def test_the_timeline_endpoint_pages_newest_first_with_a_kind_filter(org, api):
    contact = ContactFactory(owner=org.sam)
    now = timezone.now()
    for i in range(7):
        ActivityFactory(contact=contact, owner=org.sam, subject=f"T{i}",
                        created_at=now - timedelta(minutes=10 - i))
    ActivityFactory(contact=contact, owner=org.sam, kind="note", subject="N",
                    created_at=now - timedelta(minutes=30))
    aggregation.catch_up()
    client = api(org.sam)
    first = client.get(f"/api/v1/timeline/?record=account:{contact.account_id}&page_size=5")
    assert first.status_code == 200
    body = first.json()
    assert [r["activity"]["subject"] for r in body["results"]] == ["T6", "T5", "T4", "T3", "T2"]
    assert body["results"][0]["rollup"] is True
    assert body["results"][0]["record"] == f"contact:{contact.pk}"
    rest = client.get(body["next"]).json()
    assert [r["activity"]["subject"] for r in rest["results"]] == ["T1", "T0", "N"]
    assert rest["next"] is None
    notes = client.get(f"/api/v1/timeline/?record=account:{contact.account_id}&kind=note")
    assert [r["activity"]["subject"] for r in notes.json()["results"]] == ["N"]


def test_the_timeline_of_an_unreadable_record_is_404(org, api):
    secret = OpportunityFactory(owner=org.olga)
    response = api(org.sam).get(f"/api/v1/timeline/?record=opportunity:{secret.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api(org.sam).get("/api/v1/timeline/?record=nonsense").status_code == 400


def test_the_timeline_endpoint_costs_a_fixed_number_of_queries(org, api,
                                                             django_assert_max_num_queries):
    contact = ContactFactory(owner=org.sam)
    for _ in range(60):
        ActivityFactory(contact=contact, owner=org.sam)
    aggregation.catch_up()
    client = api(org.sam)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/timeline/?record=account:{contact.account_id}")
    assert len(response.json()["results"]) == 50


def test_a_seller_does_not_see_their_own_activity_once_its_record_went_to_another_team(
        org, api):
    opportunity = OpportunityFactory(owner=org.sam)
    task = ActivityFactory(owner=org.sam, contact=None, opportunity=opportunity)
    client = api(org.sam)
    assert client.get(f"/api/v1/activities/{task.pk}/").status_code == 200
    type(opportunity).objects.filter(pk=opportunity.pk).update(owner=org.olga)
    assert client.get(f"/api/v1/activities/{task.pk}/").status_code == 404
    assert client.get("/api/v1/activities/").json()["results"] == []
