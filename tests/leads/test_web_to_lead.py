"""Web-to-lead: a website form posts a lead; abuse cases are refused."""

import pytest

from leads.models import Lead

from .factories import WebFormFactory

pytestmark = pytest.mark.django_db

VISITOR = {"first_name": "Regina", "last_name": "Murphy", "company": "Contoso",
           "email": "regina@contoso.example", "phone": "+1 555 0100",
           "message": "Please call me about 40 seats."}


def test_a_posted_form_creates_a_web_lead_for_the_form_owner(client, org):
    form = WebFormFactory(owner=org.sofia, default_topic="Website enquiry")
    response = client.post(f"/w/leads/{form.token}/", VISITOR)
    assert response.status_code == 201
    assert b"Thank you" in response.content
    lead = Lead.objects.get()
    assert (lead.source, lead.owner, lead.topic, lead.business_phone, lead.description) == (
        "web", org.sofia, "Website enquiry", "+1 555 0100", "Please call me about 40 seats.")


def test_the_visitor_is_sent_to_the_thank_you_page_when_one_is_set(client, org):
    form = WebFormFactory(owner=org.sam, redirect_url="https://www.example.com/thanks")
    response = client.post("/w/leads/", {**VISITOR, "token": form.token})
    assert response.status_code == 302
    assert response["Location"] == "https://www.example.com/thanks"
    assert Lead.objects.count() == 1


@pytest.mark.parametrize("path", ["/w/leads/", "/w/leads/not-a-real-token/"])
def test_a_missing_or_unknown_token_is_refused(client, org, path):
    response = client.post(path, VISITOR, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Lead.objects.exists()


def test_an_inactive_form_is_refused(client, org):
    form = WebFormFactory(owner=org.sam, is_active=False)
    assert client.post(f"/w/leads/{form.token}/", VISITOR).status_code == 404


def test_a_filled_honeypot_looks_accepted_but_creates_nothing(client, org):
    form = WebFormFactory(owner=org.sam)
    response = client.post(f"/w/leads/{form.token}/", {**VISITOR, "homepage": "http://spam"})
    assert response.status_code == 201
    assert not Lead.objects.exists()


def test_a_flood_from_one_visitor_is_rate_limited(client, org):
    form = WebFormFactory(owner=org.sam)
    statuses = [client.post(f"/w/leads/{form.token}/",
                            {**VISITOR, "email": f"v{i}@x.example"}).status_code
                for i in range(8)]
    assert statuses[:5] == [201] * 5
    assert statuses[5:] == [429] * 3
    assert Lead.objects.count() == 5


def test_a_form_over_its_hourly_limit_is_refused(client, org):
    form = WebFormFactory(owner=org.sam, rate_limit_per_hour=2)
    statuses = [client.post(f"/w/leads/{form.token}/", VISITOR,
                            REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(3)]
    assert statuses == [201, 201, 429]


def test_an_incomplete_form_says_what_is_missing(client, org):
    form = WebFormFactory(owner=org.sam)
    response = client.post(f"/w/leads/{form.token}/", {"email": "x@y.example"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "last_name" in response.json()["fields"]


def test_get_is_not_allowed(client, org):
    form = WebFormFactory(owner=org.sam)
    assert client.get(f"/w/leads/{form.token}/").status_code == 405
