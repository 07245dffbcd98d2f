"""The whole lead-to-cash journey through the REST API, as an integrator drives it.

token -> lead -> qualify -> advance the stages -> opportunity lines -> quote -> activate ->
revise -> activate the revision -> create order -> fulfill -> invoice -> issue -> two payments
(one retried with its Idempotency-Key) -> paid; then every record's final state, totals and
numbers are checked.
"""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# The PROCESS.md "Money" test vector: lines 60.00 + 12.00 + 89.50, tax 12.92, freight 10.00.
LINES = [
    {"write_in_name": "Online training seat", "quantity": "1", "unit_price": "60.00",
     "tax_rate": "8.00"},
    {"write_in_name": "Cable kit", "quantity": "2", "unit_price": "6.00", "tax_rate": "8.00"},
    {"write_in_name": "Card scanner", "quantity": "1", "unit_price": "100.00",
     "manual_discount": "10.50", "tax_rate": "8.00"},
]


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json() if response.get("Content-Type", "").startswith(
        "application/json") else response


@pytest.fixture
def client(org):
    anonymous = APIClient()
    token = ok(anonymous.post("/api/v1/auth/token/",
                              {"username": "sam", "password": PASSWORD}, format="json"))["token"]
    authenticated = APIClient()
    authenticated.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return authenticated


def test_lead_to_cash_through_the_rest_api(org, client):
    year = timezone.localdate().year
    # 1. a lead from the website
    lead = ok(client.post("/api/v1/leads/", {
        "topic": "Scanners for the field team", "first_name": "Lena", "last_name": "Novak",
        "company": "Journey Logistics", "email": "lena.novak@journey-logistics.example",
        "estimated_value": "180.00", "purchase_timeframe": "this_quarter",
    }, format="json"), 201)
    assert lead["status"] == "new"

    # 2. qualify: account, contact and opportunity in one go
    result = ok(client.post(f"/api/v1/leads/{lead['id']}/qualify/", {}, format="json"))
    assert result["lead"] == lead["id"] and result["account"] and result["contact"]
    opp_id = result["opportunity"]
    opportunity = ok(client.get(f"/api/v1/opportunities/{opp_id}/"))
    assert opportunity["stage"] == "develop" and opportunity["originating_lead"] == lead["id"]

    # 3. advance develop -> propose -> close, filling each stage's required steps
    blocked = client.post(f"/api/v1/opportunities/{opp_id}/advance/", {}, format="json")
    assert blocked.status_code == 409 and "customer_need" in blocked.json()["missing"]
    ok(client.patch(f"/api/v1/opportunities/{opp_id}/",
                    {"customer_need": "Scan cards at trade fairs"}, format="json"))
    assert ok(client.post(f"/api/v1/opportunities/{opp_id}/advance/", {},
                          format="json"))["stage"] == "propose"
    ok(client.patch(f"/api/v1/opportunities/{opp_id}/", {"proposal_presented": True},
                    format="json"))
    assert ok(client.post(f"/api/v1/opportunities/{opp_id}/advance/", {},
                          format="json"))["stage"] == "close"
    ok(client.patch(f"/api/v1/opportunities/{opp_id}/",
                    {"decision_date": timezone.localdate().isoformat()}, format="json"))

    # 4. product lines on the opportunity
    for line in LINES:
        ok(client.post(f"/api/v1/opportunities/{opp_id}/lines/", line, format="json"), 201)
    lines = ok(client.get(f"/api/v1/opportunities/{opp_id}/lines/"))["results"]
    assert sorted(Decimal(line["amount"]) for line in lines) == [
        Decimal("12.00"), Decimal("60.00"), Decimal("89.50")]

    # 5. a quote copies the lines; freight on the draft; activate
    quote = ok(client.post("/api/v1/quotes/", {"opportunity": opp_id}, format="json"), 201)
    assert quote["status"] == "draft" and quote["revision"] == 0
    quote = ok(client.patch(f"/api/v1/quotes/{quote['id']}/", {"freight_amount": "10.00"},
                            format="json"))
    assert quote["total"] == "184.42" and quote["total_tax"] == "12.92"
    quote = ok(client.post(f"/api/v1/quotes/{quote['id']}/activate/", {}, format="json"))
    assert quote["status"] == "active"

    # 6. the customer asks for a change: revise -> new draft, same number, revision 1
    revision = ok(client.post(f"/api/v1/quotes/{quote['id']}/revise/", {}, format="json"), 201)
    assert revision["number"] == quote["number"] and revision["revision"] == 1
    assert revision["status"] == "draft" and revision["total"] == "184.42"
    first = ok(client.get(f"/api/v1/quotes/{quote['id']}/"))
    assert first["status"] == "closed" and first["status_reason"] == "revised"
    revision = ok(client.post(f"/api/v1/quotes/{revision['id']}/activate/", {}, format="json"))

    # 7. the customer accepts: create the order (wins the opportunity)
    order = ok(client.post(f"/api/v1/quotes/{revision['id']}/create-order/",
                           {"win_opportunity": True}, format="json"), 201)
    assert order["status"] == "active" and order["total"] == "184.42"
    assert order["number"] == f"ORD-{year}-000001"
    order_lines = ok(client.get(f"/api/v1/orders/{order['id']}/lines/"))["results"]
    assert [(ln["product_name"], ln["amount"]) for ln in order_lines] == [
        ("Online training seat", "60.00"), ("Cable kit", "12.00"), ("Card scanner", "89.50")]

    # 8. deliver, invoice, issue
    order = ok(client.post(f"/api/v1/orders/{order['id']}/fulfill/", {}, format="json"))
    assert order["status"] == "fulfilled"
    invoice = ok(client.post(f"/api/v1/orders/{order['id']}/create-invoice/", {},
                             format="json"), 201)
    assert invoice["status"] == "draft" and invoice["total"] == "184.42"
    invoice = ok(client.post(f"/api/v1/invoices/{invoice['id']}/issue/", {}, format="json"))
    assert invoice["number"] == f"INV-{year}-000001" and invoice["status"] == "active"
    assert invoice["due_date"] == (timezone.localdate()
                                   + timezone.timedelta(days=30)).isoformat()

    # 9. two payments; the bank feed retries the first one with the same key
    payments_url = f"/api/v1/invoices/{invoice['id']}/payments/"
    first_payment = ok(client.post(payments_url, {"amount": "100.00", "reference": "TX-1"},
                                   format="json", HTTP_IDEMPOTENCY_KEY="tx-1"), 201)
    retried = ok(client.post(payments_url, {"amount": "100.00", "reference": "TX-1"},
                             format="json", HTTP_IDEMPOTENCY_KEY="tx-1"), 201)
    assert retried["id"] == first_payment["id"]
    partly = ok(client.get(f"/api/v1/invoices/{invoice['id']}/"))
    assert partly["status"] == "active" and partly["status_reason"] == "partially_paid"
    assert partly["balance"] == "84.42"
    too_much = client.post(payments_url, {"amount": "84.43"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["code"] == "validation_error"
    ok(client.post(payments_url, {"amount": "84.42", "reference": "TX-2"}, format="json",
                   HTTP_IDEMPOTENCY_KEY="tx-2"), 201)

    # then every record is where the process says it must be
    invoice = ok(client.get(f"/api/v1/invoices/{invoice['id']}/"))
    assert invoice["status"] == "paid" and invoice["balance"] == "0.00"
    assert invoice["amount_paid"] == "184.42" and invoice["overdue"] is False
    payments = ok(client.get(payments_url))["results"]
    assert sorted(Decimal(p["amount"]) for p in payments) == [Decimal("84.42"),
                                                              Decimal("100.00")]
    opportunity = ok(client.get(f"/api/v1/opportunities/{opp_id}/"))
    assert opportunity["status"] == "won" and opportunity["actual_revenue"] == "184.42"
    revision = ok(client.get(f"/api/v1/quotes/{revision['id']}/"))
    assert revision["status"] == "won"
    lead = ok(client.get(f"/api/v1/leads/{lead['id']}/"))
    assert lead["status"] == "qualified" and lead["qualifying_opportunity"] == opp_id
    order = ok(client.get(f"/api/v1/orders/{order['id']}/"))
    assert order["status"] == "fulfilled" and order["opportunity"] == opp_id
    assert order["account"] == result["account"] == invoice["account"]
    pdf = client.get(f"/api/v1/invoices/{invoice['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
