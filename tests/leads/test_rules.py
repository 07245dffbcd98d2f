"""The lead input rules live in one place (leads.rules): the form, the API, the service and the
CSV importer refuse the same bad input on the same field with the same message."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from leads import services
from leads.forms import LeadForm
from leads.importer import FIELDS, clean_row
from leads.models import Lead

URL = "/api/v1/leads/"

BAD_INPUTS = {
    # name: (values as typed, field refused, message)
    "no topic": ({"topic": " ", "last_name": "Murphy"}, "topic", "Give the lead a topic."),
    "no last name nor company": ({"topic": "Seats", "first_name": "Rose"}, "last_name",
                                 "Enter a last name or a company."),
    "negative budget": ({"topic": "Seats", "company": "Acme", "budget_amount": "-5"},
                        "budget_amount", "This amount cannot be negative."),
    "negative estimated value": ({"topic": "Seats", "company": "Acme",
                                  "estimated_value": "-0.01"},
                                 "estimated_value", "This amount cannot be negative."),
    "negative revenue": ({"topic": "Seats", "last_name": "Murphy", "annual_revenue": "-1000"},
                         "annual_revenue", "This amount cannot be negative."),
}
CASES = pytest.mark.parametrize("values, field, message", list(BAD_INPUTS.values()),
                                ids=list(BAD_INPUTS))
AMOUNTS = ("budget_amount", "estimated_value", "annual_revenue")


@CASES
def test_the_form_refuses_it(org, values, field, message):
    form = LeadForm(data=values, user=org.sam)
    assert not form.is_valid()
    assert form.errors[field] == [message]


@CASES
def test_the_api_refuses_it(org, api, values, field, message):
    response = api(org.sam).post(URL, values, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["fields"][field] == [message]
    assert not Lead.objects.exists()


@CASES
def test_the_service_refuses_it(org, values, field, message):
    typed = {k: Decimal(v) if k in AMOUNTS else v for k, v in values.items()}
    with pytest.raises(ValidationError) as refused:
        services.lead_create(actor=org.sam, **typed)
    assert refused.value.message_dict[field] == [message]
    assert not Lead.objects.exists()


@CASES
def test_the_importer_refuses_it(values, field, message):
    _data, errors = clean_row(dict(values))
    assert f"{FIELDS[field][0]}: {message}" in errors


@pytest.mark.django_db
def test_an_api_change_is_checked_against_the_stored_values(org, api):
    lead = services.lead_create(actor=org.sam, topic="Seats", last_name="Murphy")
    client = api(org.sam)
    # keeping the last name, dropping the company is fine; dropping both is not
    assert client.patch(f"{URL}{lead.pk}/", {"company": ""}, format="json").status_code == 200
    response = client.patch(f"{URL}{lead.pk}/", {"last_name": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["last_name"] == ["Enter a last name or a company."]


def test_the_rules_accept_a_good_lead():
    data, errors = clean_row({"topic": "Seats", "company": "Acme", "budget_amount": "0"})
    assert errors == [] and data["budget_amount"] == Decimal("0.00")
