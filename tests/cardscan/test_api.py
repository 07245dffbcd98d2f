"""POST /api/v1/business-cards/scan/ as API.md describes it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.cardscan.models import CardScan
from leads.models import Lead, LeadSource
from tests.factories import ContactFactory

from .factories import card_file

pytestmark = pytest.mark.django_db
URL = "/api/v1/business-cards/scan/"


def image(name="clean-12-fr"):
    ext = "jpg" if name.startswith("noisy") else "png"
    return SimpleUploadedFile(f"card.{ext}", card_file(name), content_type=f"image/{ext}")


def test_a_scan_answers_with_fields_confidence_and_duplicates(org, api):
    ContactFactory(first_name="Camille", last_name="Dubois",
                   email="camille.dubois@lumiere-conseil.fr")

    response = api(org.sam).post(URL, {"image": image()}, format="multipart")

    assert response.status_code == 200
    body = response.json()
    assert body["fields"]["email"] == "camille.dubois@lumiere-conseil.fr"
    assert body["fields"]["postal_code"] == "75002" and body["fields"]["city"] == "Paris"
    assert body["fields"]["mobile_phone"] == "+33612345678"  # E.164
    assert body["printed"]["mobile_phone"] == "+33 6 12 34 56 78"  # as on the card
    assert set(body["confidence"]) == set(body["fields"])
    assert 0 < body["confidence"]["email"] <= 1
    assert [(d["type"], d["rule"]) for d in body["duplicates"]] == [("contact", "email")]
    summary = body["duplicates"][0]
    assert summary["open_opportunities"] == 0 and summary["won_revenue"] == []
    assert {"owner", "last_activity_at", "edit_url"} <= set(summary)
    assert body["lead"] is None
    assert not Lead.objects.exists()


def test_create_lead_makes_the_lead_in_the_same_call(org, api):
    response = api(org.sam).post(URL, {"image": image(), "create_lead": "true",
                                       "topic": "Salon Vinexpo"}, format="multipart")

    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["lead"])
    assert lead.source == LeadSource.BUSINESS_CARD and lead.owner == org.sam
    assert (lead.topic, lead.first_name, lead.last_name, lead.company) == (
        "Salon Vinexpo", "Camille", "Dubois", "Lumière Conseil SARL")
    assert lead.website == "https://www.lumiere-conseil.fr"
    assert "Fax: +33 1 42 68 53 01" in lead.description
    assert CardScan.objects.get().record_id == lead.pk


def test_without_a_topic_the_lead_is_named_after_the_company(org, api):
    response = api(org.sam).post(URL, {"image": image(), "create_lead": True},
                                 format="multipart")

    assert Lead.objects.get(pk=response.json()["lead"]).topic == (
        "Business card: Lumière Conseil SARL")


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("notes.txt", b"hello, not a picture", content_type="text/plain"),
     "not an image"),
    (SimpleUploadedFile("gif.gif", b"GIF89a" + b"\x00" * 64, content_type="image/gif"),
     "image"),
])
def test_a_bad_image_is_a_validation_error(org, api, upload, message):
    response = api(org.sam).post(URL, {"image": upload}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert message in body["fields"]["image"][0]


def test_the_image_is_required(org, api):
    response = api(org.sam).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert "image" in response.json()["fields"]


def test_anonymous_callers_get_401(api):
    response = api().post(URL, {"image": image()}, format="multipart")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_retry_with_the_same_idempotency_key_creates_one_lead(org, api):
    client = api(org.sam)
    data = card_file("clean-12-fr")

    def post():
        return client.post(URL, {"image": SimpleUploadedFile("c.png", data, "image/png"),
                                 "create_lead": "true"}, format="multipart",
                           HTTP_IDEMPOTENCY_KEY="card-42")

    first, second = post(), post()

    assert first.status_code == second.status_code == 201
    assert second.json()["lead"] == first.json()["lead"]
    assert Lead.objects.count() == 1


def test_duplicates_only_list_leads_the_caller_may_read(org, api):
    from tests.leads.factories import LeadFactory

    LeadFactory(owner=org.olga, email="camille.dubois@lumiere-conseil.fr")
    mine = LeadFactory(owner=org.sam, email="camille.dubois@lumiere-conseil.fr")

    body = api(org.sam).post(URL, {"image": image()}, format="multipart").json()

    assert [(d["type"], d["id"]) for d in body["duplicates"]] == [("lead", mine.pk)]


def test_the_endpoint_is_in_the_openapi_schema(org, api):
    schema = api(org.sam).get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert "/api/v1/business-cards/scan/" in schema.content.decode()
