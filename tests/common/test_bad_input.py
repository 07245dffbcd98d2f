"""No input, however malformed, gets a 500 (API.md, Errors): each case answers a clear 4xx in
the error shape `{"code", "message", "fields"?}`."""

import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from crm.common.errors import BusinessRuleViolation, ErrorCode
from crm.common.money import round_money, to_decimal
from crm.customers.models import Contact
from invoices import services as invoice_services
from leads.models import Lead
from tests.factories import AccountFactory, ContactFactory, ProductFactory
from tests.invoices.factories import make_invoice, make_order
from tests.leads.factories import LeadFactory, WebFormFactory
from tests.opportunities.factories import OpportunityFactory, OpportunityLineFactory
from tests.quotes.factories import make_quote

pytestmark = pytest.mark.django_db

FAR_OFFSET = "2026-01-01T00:00:00+19:00"


def _assert_validation_error(response, field=None):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == ErrorCode.VALIDATION_ERROR
    assert body["message"]
    if field is not None:
        assert field in body["fields"], body


# --- datetimes PostgreSQL cannot hold ----------------------------------------------------------

@pytest.mark.parametrize("resource", ["leads", "opportunities", "quotes", "orders", "invoices",
                                      "accounts", "contacts", "activities"])
@pytest.mark.parametrize("value", [FAR_OFFSET, "2026-01-01T00:00:00-16:00",
                                   "9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_created_after_postgresql_cannot_hold_is_a_400_naming_the_field(
        org, api, resource, value):
    response = api(org.sam).get(f"/api/v1/{resource}/", {"created_after": value})
    _assert_validation_error(response, "created_after")


def test_an_offset_within_the_range_still_filters(org, api):
    LeadFactory(owner=org.sam)
    response = api(org.sam).get("/api/v1/leads/", {"created_after": "2000-01-01T00:00:00+15:59"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_nested_line_lists_with_a_far_offset_are_not_a_500(org, api):
    opportunity = OpportunityFactory(owner=org.sam)
    order = make_order(owner=org.sam)
    client = api(org.sam)
    for url in (f"/api/v1/opportunities/{opportunity.pk}/lines/",
                f"/api/v1/orders/{order.pk}/lines/"):
        response = client.get(url, {"created_after": FAR_OFFSET})
        assert response.status_code in (200, 400), (url, response.content[:200])


def test_a_far_offset_in_a_datetime_body_field_is_a_400(org, api):
    contact = ContactFactory(account=AccountFactory(owner=org.sam))
    response = api(org.sam).post("/api/v1/activities/", {
        "kind": "task", "subject": "Call", "due_at": "2026-01-01T00:00:00+19:00",
        "regarding_type": "contact", "regarding_id": contact.pk,
    }, format="json")
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        _assert_validation_error(response, "due_at")


# --- deleting a record others refer to ---------------------------------------------------------

def test_deleting_a_contact_two_opportunities_use_is_409_record_in_use_with_counts(org, api):
    contact = ContactFactory(account=AccountFactory(owner=org.sam))
    OpportunityFactory(owner=org.sam, contact=contact, account=contact.account)
    OpportunityFactory(owner=org.sam, contact=contact, account=contact.account)

    response = api(org.sam).delete(f"/api/v1/contacts/{contact.pk}/")

    assert response.status_code == 409, response.content[:300]
    body = response.json()
    assert body["code"] == ErrorCode.RECORD_IN_USE
    assert body["referenced_by"]["opportunities"] == 2
    assert body["message"]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_deleting_a_product_lines_use_is_409_record_in_use(org, api):
    product = ProductFactory(owner=org.admin)
    OpportunityLineFactory(opportunity=OpportunityFactory(owner=org.sam), product=product)

    response = api(org.admin).delete(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 409, response.content[:300]
    assert response.json()["code"] == ErrorCode.RECORD_IN_USE
    assert sum(response.json()["referenced_by"].values()) >= 1


def test_deleting_an_account_an_opportunity_uses_is_409_record_in_use(org, api):
    account = AccountFactory(owner=org.sam)
    OpportunityFactory(owner=org.sam, account=account)

    response = api(org.sam).delete(f"/api/v1/accounts/{account.pk}/")

    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.RECORD_IN_USE
    assert response.json()["referenced_by"]["opportunities"] == 1


def test_the_shared_delete_helper_refuses_and_keeps_the_record(org):
    from crm.common.deletion import delete_or_refuse
    from crm.common.errors import RecordInUse

    contact = ContactFactory(account=AccountFactory(owner=org.sam))
    OpportunityFactory(owner=org.sam, contact=contact, account=contact.account)
    with pytest.raises(RecordInUse) as refused:
        delete_or_refuse(contact)
    assert refused.value.extra["referenced_by"] == {"opportunities": 1}
    assert Contact.objects.filter(pk=contact.pk).exists()


# --- ids that are not numbers ------------------------------------------------------------------

def test_a_line_id_that_is_not_a_number_is_404(org, api):
    opportunity = OpportunityFactory(owner=org.sam)
    quote = make_quote(owner=org.sam)
    order = make_order(owner=org.sam)
    invoice = make_invoice(owner=org.sam)
    client = api(org.sam)
    for url in (f"/api/v1/opportunities/{opportunity.pk}/lines/abc/",
                f"/api/v1/quotes/{quote.pk}/lines/abc/",
                f"/api/v1/orders/{order.pk}/lines/abc/",
                f"/api/v1/invoices/{invoice.pk}/lines/abc/",
                "/api/v1/leads/abc/", "/api/v1/accounts/1.5/",
                f"/api/v1/opportunities/{opportunity.pk}/lines/99999999999999999999/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == ErrorCode.NOT_FOUND


# --- bodies nested beyond reason -----------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "[" * 100_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    "[" * 65 + "]" * 65,
])
def test_a_deeply_nested_body_is_a_400(org, api, body):
    response = api(org.sam).post("/api/v1/leads/", data=body, content_type="application/json")
    _assert_validation_error(response)


def test_a_body_nested_within_the_limit_is_parsed(org, api):
    # nested lists inside a field that does not take them: an ordinary field error
    response = api(org.sam).post("/api/v1/leads/", data=json.dumps(
        {"topic": [[["x"]]], "last_name": "Lee"}), content_type="application/json")
    _assert_validation_error(response, "topic")


@pytest.mark.parametrize("number", ["1e999999", "-1e999999", "NaN", "Infinity"])
def test_a_json_number_without_a_finite_value_is_a_400(org, api, number):
    response = api(org.sam).post(
        "/api/v1/leads/", data=f'{{"topic": "T", "last_name": "L", "estimated_value": {number}}}',
        content_type="application/json")
    _assert_validation_error(response)


# --- NUL characters --------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["urlencoded", "multipart"])
def test_web_to_lead_with_a_nul_character_is_a_400_and_creates_nothing(org, client,
                                                                      content_type):
    form = WebFormFactory(owner=org.sam)
    data = {"topic": "Website", "last_name": "a\x00b"}
    if content_type == "urlencoded":
        response = client.post(f"/w/leads/{form.token}/", urlencode(data),
                               content_type="application/x-www-form-urlencoded",
                               HTTP_ACCEPT="application/json")
    else:
        response = client.post(f"/w/leads/{form.token}/", data, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.VALIDATION_ERROR
    assert "last_name" in response.json()["fields"]
    assert not Lead.objects.exists()


def test_a_nul_character_in_an_html_form_is_a_400(org, web):
    client = web(org.sam)
    response = client.post("/leads/new/", {"topic": "x\x00", "last_name": "Lee"})
    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_a_nul_character_in_a_json_body_is_a_400(org, api):
    client = api(org.sam)
    response = client.post("/api/v1/leads/", {"topic": "T", "last_name": "a\x00b"}, format="json")
    _assert_validation_error(response)
    lead = LeadFactory(owner=org.sam)
    response = client.patch(f"/api/v1/leads/{lead.pk}/", data='{"topic": "x\\u0000y"}',
                            content_type="application/json")
    _assert_validation_error(response)
    assert not Lead.objects.filter(topic__contains="x").exclude(pk=lead.pk).exists()


@pytest.mark.parametrize("param", ["search", "owner", "status", "ordering", "cursor"])
def test_a_nul_character_in_a_query_parameter_is_a_400(org, api, param):
    response = api(org.sam).get("/api/v1/leads/", {param: "a\x00b"})
    _assert_validation_error(response, param)


# --- money that is not a number --------------------------------------------------------------------

@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999", "inf"])
def test_to_decimal_refuses_values_that_are_not_finite_amounts(value):
    with pytest.raises(ValueError):
        to_decimal(value)
    with pytest.raises(ValueError):
        round_money(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "sNaN", "1e999999"])
def test_a_payment_of_nan_is_refused_by_the_service(org, value):
    invoice = make_invoice(owner=org.sam)
    with pytest.raises(BusinessRuleViolation):
        invoice_services.invoice_record_payment(invoice=invoice, amount=value, actor=org.sam)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999"])
def test_money_fields_that_are_not_finite_are_a_400_in_the_api(org, api, value):
    client = api(org.sam)
    invoice = make_invoice(owner=org.sam)
    opportunity = OpportunityFactory(owner=org.sam)
    lead = LeadFactory(owner=org.sam)
    for method, url, body, field in (
        ("post", f"/api/v1/invoices/{invoice.pk}/payments/", {"amount": value}, "amount"),
        ("post", f"/api/v1/opportunities/{opportunity.pk}/lines/",
         {"write_in_name": "X", "quantity": "1", "unit_price": value}, "unit_price"),
        ("patch", f"/api/v1/leads/{lead.pk}/", {"estimated_value": value}, "estimated_value"),
        ("patch", f"/api/v1/opportunities/{opportunity.pk}/", {"estimated_revenue": value},
         "estimated_revenue"),
    ):
        response = getattr(client, method)(url, body, format="json")
        _assert_validation_error(response, field)
    assert invoice.payments.count() == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999999"])
def test_a_payment_of_nan_in_the_html_form_is_a_form_error(org, web, value):
    invoice = make_invoice(owner=org.sam)
    response = web(org.sam).post(f"/invoices/{invoice.pk}/payments/", {
        "amount": value, "date": "", "reference": ""})
    assert response.status_code in (200, 400)
    assert invoice.payments.count() == 0


def test_money_helpers_still_convert_ordinary_amounts():
    assert to_decimal(" 12.345 ") == Decimal("12.345")
    assert round_money("12.345") == Decimal("12.35")
    assert to_decimal("") == Decimal("0.00")


@pytest.mark.parametrize("value", [FAR_OFFSET, "9999-12-31T23:00:00-05:00"])
def test_a_far_offset_in_an_html_datetime_field_is_a_form_error(org, web, value):
    from tests.activities.factories import ActivityFactory

    activity = ActivityFactory(contact=ContactFactory(account=AccountFactory(owner=org.sam)))
    response = web(org.sam).post(f"/activities/{activity.pk}/edit/", {
        "subject": "Moved", "due_at": value, "priority": "normal"})
    assert response.status_code in (200, 400)
    activity.refresh_from_db()
    assert activity.subject != "Moved"


def test_a_nul_character_in_an_api_form_field_is_a_400(org, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("leads.csv", b"Last Name,Topic\nLee,Demo\n", "text/csv")
    response = api(org.sam).post("/api/v1/leads/import/", {
        "file": upload, "mapping": '{"Last Name\x00": "last_name"}'}, format="multipart")
    _assert_validation_error(response, "mapping")


# --- a record deleted by a concurrent request -------------------------------------------------

def test_a_record_a_concurrent_request_deleted_is_a_404_not_a_500():
    """A service that re-reads its row under lock (`select_for_update().get()`) after another
    request deleted it raises DoesNotExist: the caller gets the API's 404."""
    from crm.common.api import exception_handler

    response = exception_handler(Lead.DoesNotExist("gone"), {})
    assert response.status_code == 404
    assert response.data["code"] == ErrorCode.NOT_FOUND
