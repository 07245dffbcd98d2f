from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from invoices.models import Invoice, Order, Payment

from .factories import make_active_quote, make_invoice, make_order

pytestmark = pytest.mark.django_db


def test_create_order_from_a_quote(org, api):
    quote = make_active_quote(owner=org.sam)
    response = api(org.sam).post(f"/api/v1/quotes/{quote.pk}/create-order/",
                                 {"win_opportunity": False}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active" and body["total"] == "184.42"
    assert body["quote"] == quote.pk and body["number"].startswith("ORD-")
    assert response["ETag"]


def test_create_order_twice_is_a_409_with_the_error_shape(org, api):
    quote = make_active_quote(owner=org.sam)
    client = api(org.sam)
    client.post(f"/api/v1/quotes/{quote.pk}/create-order/", {}, format="json")
    response = client.post(f"/api/v1/quotes/{quote.pk}/create-order/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert Order.objects.count() == 1


def test_create_order_on_an_unreadable_quote_is_404_and_on_a_teammates_is_403(org, api):
    olga_quote = make_active_quote(owner=org.olga)
    sofia_quote = make_active_quote(owner=org.sofia)
    client = api(org.sam)
    assert client.post(f"/api/v1/quotes/{olga_quote.pk}/create-order/").status_code == 404
    response = client.post(f"/api/v1/quotes/{sofia_quote.pk}/create-order/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_order_actions_fulfill_and_create_invoice(org, api):
    order = make_order(owner=org.sam)
    client = api(org.sam)
    response = client.post(f"/api/v1/orders/{order.pk}/fulfill/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"
    response = client.post(f"/api/v1/orders/{order.pk}/create-invoice/", {}, format="json")
    assert response.status_code == 201
    invoice = response.json()
    assert invoice["status"] == "draft" and invoice["number"] == ""
    assert invoice["total"] == "184.42" and invoice["balance"] == "184.42"
    lines = client.get(f"/api/v1/orders/{order.pk}/lines/").json()["results"]
    assert [line["amount"] for line in lines] == ["60.00", "12.00", "89.50"]
    inv_lines = client.get(f"/api/v1/invoices/{invoice['id']}/lines/").json()["results"]
    assert len(inv_lines) == 3


def test_partial_invoice_over_the_ordered_quantity_is_a_400(org, api):
    order = make_order(owner=org.sam, lines=[("Seat", "10", "50.00", "0.00", "8")])
    line = order.lines.get()
    response = api(org.sam).post(f"/api/v1/orders/{order.pk}/create-invoice/",
                                 {"lines": [{"order_line": line.pk, "quantity": "11"}]},
                                 format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error" and "lines" in response.json()["fields"]


def test_cancel_an_invoiced_order_is_409_with_allowed_actions(org, api):
    order = make_order(owner=org.sam)
    make_invoice(order=order)
    response = api(org.sam).post(f"/api/v1/orders/{order.pk}/cancel/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed"] == ["fulfill", "create_invoice"]
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["reason"] == "order_invoiced"


def test_issue_pay_twice_and_paid(org, api):
    invoice = make_invoice(owner=org.sam, issue=False)
    client = api(org.sam)
    issued = client.post(f"/api/v1/invoices/{invoice.pk}/issue/").json()
    assert issued["status"] == "active" and issued["number"].startswith("INV-")
    assert issued["due_date"] == (timezone.localdate() + timedelta(days=30)).isoformat()
    first = client.post(f"/api/v1/invoices/{invoice.pk}/payments/",
                        {"amount": "100.00", "reference": "wire 1"}, format="json")
    assert first.status_code == 201 and first.json()["amount"] == "100.00"
    state = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert state["status_reason"] == "partially_paid" and state["balance"] == "84.42"
    client.post(f"/api/v1/invoices/{invoice.pk}/payments/", {"amount": "84.42"}, format="json")
    state = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert state["status"] == "paid" and state["balance"] == "0.00"
    payments = client.get(f"/api/v1/invoices/{invoice.pk}/payments/").json()["results"]
    assert sorted(p["amount"] for p in payments) == ["100.00", "84.42"]


def test_a_payment_above_the_balance_is_a_400_on_amount(org, api):
    invoice = make_invoice(owner=org.sam)
    response = api(org.sam).post(f"/api/v1/invoices/{invoice.pk}/payments/",
                                 {"amount": "184.43"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "amount" in response.json()["fields"]


def test_a_negative_payment_is_a_400(org, api):
    invoice = make_invoice(owner=org.sam)
    response = api(org.sam).post(f"/api/v1/invoices/{invoice.pk}/payments/",
                                 {"amount": "-1.00"}, format="json")
    assert response.status_code == 400 and "amount" in response.json()["fields"]


def test_a_retried_payment_with_the_same_idempotency_key_records_one_payment(org, api):
    invoice = make_invoice(owner=org.sam)
    client = api(org.sam)
    headers = {"HTTP_IDEMPOTENCY_KEY": "bank-feed-0042"}
    first = client.post(f"/api/v1/invoices/{invoice.pk}/payments/", {"amount": "50.00"},
                        format="json", **headers)
    again = client.post(f"/api/v1/invoices/{invoice.pk}/payments/", {"amount": "50.00"},
                        format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == Decimal("50.00")


def test_patch_of_an_issued_invoice_is_record_locked(org, api):
    invoice = make_invoice(owner=org.sam)
    response = api(org.sam).patch(f"/api/v1/invoices/{invoice.pk}/", {"name": "New"},
                                  format="json")
    assert response.status_code == 409 and response.json()["code"] == "record_locked"


def test_patch_a_draft_invoice_with_a_stale_etag_is_412(org, api):
    invoice = make_invoice(owner=org.sam, issue=False)
    client = api(org.sam)
    etag = client.get(f"/api/v1/invoices/{invoice.pk}/")["ETag"]
    ok = client.patch(f"/api/v1/invoices/{invoice.pk}/", {"name": "Renamed"}, format="json",
                      HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["name"] == "Renamed"
    stale = client.patch(f"/api/v1/invoices/{invoice.pk}/", {"name": "Again"}, format="json",
                         HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"


def test_orders_cannot_be_created_or_deleted_directly(org, api):
    order = make_order(owner=org.sam)
    client = api(org.sam)
    assert client.post("/api/v1/orders/", {}, format="json").status_code == 405
    assert client.delete(f"/api/v1/orders/{order.pk}/").status_code == 405


def test_invoice_visibility(org, api):
    olga = make_invoice(owner=org.olga)
    sofia = make_invoice(owner=org.sofia)
    client = api(org.sam)
    assert client.get(f"/api/v1/invoices/{olga.pk}/").status_code == 404
    assert client.get(f"/api/v1/invoices/{sofia.pk}/").status_code == 200
    response = client.post(f"/api/v1/invoices/{sofia.pk}/payments/", {"amount": "1.00"},
                           format="json")
    assert response.status_code == 403
    assert api(None).get("/api/v1/invoices/").status_code == 401


def test_invoice_list_filters_overdue_and_status(org, api):
    today = timezone.localdate()
    late = make_invoice(owner=org.sam, issue_date=today - timedelta(days=31))
    make_invoice(owner=org.sam)
    make_invoice(owner=org.sam, issue=False)
    client = api(org.sam)
    overdue = client.get("/api/v1/invoices/", {"overdue": "true"}).json()["results"]
    assert [i["id"] for i in overdue] == [late.pk] and overdue[0]["overdue"] is True
    drafts = client.get("/api/v1/invoices/", {"status": "draft"}).json()["results"]
    assert len(drafts) == 1


def test_invoice_pdf_endpoint(org, api):
    invoice = make_invoice(owner=org.sam)
    response = api(org.sam).get(f"/api/v1/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_order_list_endpoint_query_count(org, api, django_assert_max_num_queries):
    for _ in range(35):
        make_order(owner=org.sam)
    client = api(org.maria)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/orders/", {"page_size": 50})
    assert len(response.json()["results"]) == 35


def test_invoice_list_endpoint_query_count_and_cursor_paging(org, api,
                                                             django_assert_max_num_queries):
    for index in range(33):
        make_invoice(owner=org.sam, issue=index % 3 != 0)
    client = api(org.maria)
    with django_assert_max_num_queries(6):
        page = client.get("/api/v1/invoices/", {"page_size": 20}).json()
    seen = [i["id"] for i in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [i["id"] for i in page["results"]]
    assert sorted(seen) == sorted(Invoice.objects.values_list("id", flat=True))


def test_patch_an_active_order_and_a_fulfilled_one_is_record_locked(org, api):
    order = make_order(owner=org.sam)
    client = api(org.sam)
    response = client.patch(f"/api/v1/orders/{order.pk}/",
                            {"name": "Rollout phase 1", "total": "1.00"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Rollout phase 1" and response.json()["total"] == "184.42"
    client.post(f"/api/v1/orders/{order.pk}/fulfill/", {}, format="json")
    locked = client.patch(f"/api/v1/orders/{order.pk}/", {"name": "Again"}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "record_locked"


def test_create_order_retried_with_the_same_idempotency_key_returns_the_first_order(org, api):
    quote = make_active_quote(owner=org.sam)
    client = api(org.sam)
    first = client.post(f"/api/v1/quotes/{quote.pk}/create-order/", {}, format="json",
                        HTTP_IDEMPOTENCY_KEY="erp-7")
    again = client.post(f"/api/v1/quotes/{quote.pk}/create-order/", {}, format="json",
                        HTTP_IDEMPOTENCY_KEY="erp-7")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and Order.objects.count() == 1


def test_create_order_with_a_stale_if_match_is_412(org, api):
    quote = make_active_quote(owner=org.sam)
    response = api(org.sam).post(f"/api/v1/quotes/{quote.pk}/create-order/", {},
                                 format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412 and not Order.objects.exists()
