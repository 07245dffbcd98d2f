"""`/api/v1/leads/` and its actions, as API.md describes them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads import services
from leads.models import Lead
from tests.factories import AccountFactory

from .factories import LeadFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/leads/"


def test_create_returns_the_lead_and_its_likely_duplicates(org, api):
    existing = LeadFactory(owner=org.sam, email="regina@contoso.example")
    response = api(org.sam).post(URL, {"topic": "Seats", "last_name": "Murphy",
                                       "email": "Regina@Contoso.example"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["owner"]) == ("new", org.sam.pk)
    assert body["duplicates"] == [{
        "id": existing.pk, "rule": "email", "name": existing.full_name,
        "company": existing.company, "email": existing.email, "status": "new",
        "owner": org.sam.pk, "url": existing.get_absolute_url()}]


def test_create_validation_errors_use_the_error_shape(org, api):
    response = api(org.sam).post(URL, {"topic": "Seats"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "last_name" in response.json()["fields"]


def test_status_cannot_be_written_through_the_api(org, api):
    lead = LeadFactory(owner=org.sam)
    response = api(org.sam).patch(f"{URL}{lead.pk}/", {"status": "qualified"}, format="json")
    assert response.status_code == 200
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_list_is_scoped_filtered_and_paginated(org, api, django_assert_max_num_queries):
    for _ in range(35):
        LeadFactory(owner=org.sam, source="partner")
    LeadFactory(owner=org.sofia, source="web")
    LeadFactory(owner=org.olga)
    client = api(org.sam)
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"page_size": 30})
    body = response.json()
    assert len(body["results"]) == 30 and body["next"]
    rest = client.get(body["next"]).json()
    assert len(rest["results"]) == 6  # sam's 35 + sofia's 1, never olga's
    assert {r["source"] for r in client.get(URL, {"source": "web"}).json()["results"]} == {"web"}
    LeadFactory(owner=org.sam, last_name="Zanzibar", company="Qwerty GmbH")
    assert [r["last_name"] for r in client.get(URL, {"search": "qwerty"}).json()["results"]] == [
        "Zanzibar"]


def test_actions_follow_the_state_machine(org, api):
    lead = LeadFactory(owner=org.sam)
    client = api(org.sam)
    r = client.post(f"{URL}{lead.pk}/mark-contacted/")
    assert (r.status_code, r.json()["status"]) == (200, "contacted")
    r = client.post(f"{URL}{lead.pk}/mark-contacted/")
    assert r.status_code == 409
    assert r.json()["code"] == "transition_not_allowed"
    assert set(r.json()["allowed"]) == {"qualify", "disqualify"}
    r = client.post(f"{URL}{lead.pk}/disqualify/", {"reason": "canceled"}, format="json")
    assert (r.json()["status"], r.json()["status_reason"]) == ("disqualified", "canceled")
    r = client.post(f"{URL}{lead.pk}/reactivate/")
    assert r.json()["status"] == "new"


def test_disqualify_needs_a_valid_reason(org, api):
    lead = LeadFactory(owner=org.sam)
    r = api(org.sam).post(f"{URL}{lead.pk}/disqualify/", {"reason": "meh"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["fields"]


def test_if_match_with_a_stale_version_is_refused(org, api):
    lead = LeadFactory(owner=org.sam)
    client = api(org.sam)
    etag = client.get(f"{URL}{lead.pk}/")["ETag"]
    services.lead_update(lead=lead, actor=org.sam, topic="Changed")
    r = client.post(f"{URL}{lead.pk}/mark-contacted/", HTTP_IF_MATCH=etag)
    assert r.status_code == 412


def test_visibility_404_for_outsiders_403_for_teammates(org, api):
    lead = LeadFactory(owner=org.sam)
    assert api(org.olga).get(f"{URL}{lead.pk}/").status_code == 404
    assert api(org.olga).post(f"{URL}{lead.pk}/qualify/").status_code == 404
    assert api(org.sofia).get(f"{URL}{lead.pk}/").status_code == 200
    r = api(org.sofia).post(f"{URL}{lead.pk}/disqualify/", {"reason": "lost"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert api(None).get(URL).status_code == 401


def test_qualify_returns_the_ids_and_refuses_duplicates_with_candidates(org, api):
    account = AccountFactory(name="Zephyr")
    lead = LeadFactory(owner=org.sam, company="Zephyr", last_name="Murphy")
    client = api(org.sam)
    r = client.post(f"{URL}{lead.pk}/qualify/", {}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate_detected"
    assert r.json()["candidates"][0]["id"] == account.pk
    r = client.post(f"{URL}{lead.pk}/qualify/", {"existing_account": account.pk},
                    format="json", HTTP_IDEMPOTENCY_KEY="q-1")
    assert r.status_code == 200
    body = r.json()
    assert body["lead"] == lead.pk and body["account"] == account.pk
    assert body["contact"] and body["opportunity"]
    replay = client.post(f"{URL}{lead.pk}/qualify/", {"existing_account": account.pk},
                         format="json", HTTP_IDEMPOTENCY_KEY="q-1")
    assert replay.json() == body
    r = client.post(f"{URL}{lead.pk}/qualify/", {"allow_duplicates": True}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "transition_not_allowed"


def test_duplicates_endpoint_lists_matches_with_the_rule(org, api):
    lead = LeadFactory(owner=org.sam, business_phone="+1 555 0100")
    other = LeadFactory(owner=org.sam, mobile_phone="15550100")
    r = api(org.sam).get(f"{URL}{lead.pk}/duplicates/")
    assert [(d["id"], d["rule"]) for d in r.json()["results"]] == [(other.pk, "phone")]


def test_import_endpoint_runs_a_job_that_can_be_polled(org, api, monkeypatch):
    from crm.common import queue

    monkeypatch.setattr(services, "enqueue_on_commit", queue.publish)
    client = api(org.sam)
    upload = SimpleUploadedFile("l.csv", b"Topic,Last Name,Email\nSeats,Murphy,r@c.example\n"
                                         b"Seats,,bad\n")
    r = client.post(f"{URL}import/", {"file": upload}, format="multipart")
    assert r.status_code == 202
    job = r.json()
    assert set(job) >= {"id", "status", "processed", "total", "errors_url"}
    polled = client.get(f"{URL}import/{job['id']}/").json()
    assert (polled["status"], polled["processed"], polled["total"], polled["created"],
            polled["errors"]) == ("done", 2, 2, 1, 1)
    report = client.get(polled["errors_url"])
    assert report.status_code == 200
    assert "Last name: Enter a last name or a company." in b"".join(
        report.streaming_content).decode("utf-8-sig")
    assert api(org.sofia).get(f"{URL}import/{job['id']}/").status_code == 404


def test_import_endpoint_explains_a_bad_file(org, api):
    """Latin-1 bytes are detected on their own (see test_import_encoding); read as the UTF-8
    the caller insists on, they are refused with a reason."""
    upload = SimpleUploadedFile("l.csv", "Topic,Last Name\nA,Müller\n".encode("latin-1"))
    r = api(org.sam).post(f"{URL}import/", {"file": upload, "encoding": "utf-8"},
                          format="multipart")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error"
    assert r.json()["reason"] == "import_wrong_encoding" and r.json()["message"]


@pytest.mark.parametrize("ordering", ["last_name", "-last_name"])
def test_pages_ordered_by_a_shared_value_list_every_lead_once(org, api, ordering):
    # nine leads share a last name with others: the id breaks the ties, so walking the cursor
    # pages (fast path and serializer alike) neither repeats nor skips a lead
    leads = [LeadFactory(owner=org.sam, last_name=name) for name in ["Berg"] * 5 + ["Alder"] * 4]
    client = api(org.sam)
    seen, body = [], client.get(URL, {"ordering": ordering, "page_size": 2}).json()
    while True:
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        body = client.get(body["next"]).json()
    assert sorted(seen) == sorted(lead.pk for lead in leads)
    by_name = sorted(leads, key=lambda lead: (lead.last_name, lead.pk),
                     reverse=ordering.startswith("-"))
    assert seen == [lead.pk for lead in by_name]
