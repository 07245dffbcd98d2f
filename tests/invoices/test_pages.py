from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.models import Invoice, Order, Payment
from tests.panels import get_with_panels

from .factories import make_active_quote, make_invoice, make_order

pytestmark = pytest.mark.django_db


def test_order_list_shows_readable_orders_only(org, web):
    mine = make_order(owner=org.sam, name="Sam's order")
    make_order(owner=org.olga, name="Olga's order")
    response = web(org.sam).get(reverse("order-list"))
    assert response.status_code == 200
    assert mine.number.encode() in response.content
    assert b"Olga's order" not in response.content


def test_order_list_query_count_does_not_grow_with_rows(org, web, django_assert_max_num_queries):
    for _ in range(35):
        make_order(owner=org.sam)
    client = web(org.maria)
    # constant in the number of rows: session, user, navigation badges and one page query
    with django_assert_max_num_queries(10):
        response = client.get(reverse("order-list"))
    assert len(response.context["object_list"]) == 25


def test_order_list_empty_state(org, web):
    response = web(org.sam).get(reverse("order-list"))
    assert b"No orders yet" in response.content


def test_an_unreadable_order_is_a_404(org, web):
    order = make_order(owner=org.olga)
    assert web(org.sam).get(reverse("order-detail", args=[order.pk])).status_code == 404


def test_a_readable_but_not_changeable_order_refuses_actions_with_403(org, web):
    order = make_order(owner=org.sofia)
    client = web(org.sam)
    assert client.get(reverse("order-detail", args=[order.pk])).status_code == 200
    assert client.post(reverse("order-fulfill", args=[order.pk])).status_code == 403
    order.refresh_from_db()
    assert order.status == "active"


def test_order_detail_shows_lines_totals_and_actions(org, web):
    order = make_order(owner=org.sam)
    response = web(org.sam).get(reverse("order-detail", args=[order.pk]))
    content = response.content.decode()
    assert "Scanner" in content and "184.42" in content
    assert "Create invoice" in content and "Mark fulfilled" in content
    assert "Cancel order" in content


def test_fulfill_from_the_page(org, web):
    order = make_order(owner=org.sam)
    response = web(org.sam).post(reverse("order-fulfill", args=[order.pk]), follow=True)
    assert b"is fulfilled" in response.content
    order.refresh_from_db()
    assert order.status == "fulfilled"


def test_cancel_of_an_invoiced_order_shows_the_reason(org, web):
    order = make_order(owner=org.sam)
    make_invoice(order=order, issue=False)
    response = web(org.sam).post(reverse("order-cancel", args=[order.pk]), follow=True)
    assert b"can no longer be canceled" in response.content
    assert Order.objects.get(pk=order.pk).status == "active"


def test_invoice_everything_from_the_order_page(org, web):
    order = make_order(owner=org.sam)
    response = web(org.sam).post(reverse("order-create-invoice", args=[order.pk]),
                                 {"whole": "1"}, follow=True)
    invoice = Invoice.objects.get(order=order)
    assert response.redirect_chain[-1][0] == invoice.get_absolute_url()
    assert b"Draft invoice created" in response.content and invoice.total == Decimal("184.42")


def test_a_partial_invoice_above_what_is_left_keeps_the_typed_quantities(org, web):
    order = make_order(owner=org.sam, lines=[("Seat", "10", "50.00", "0.00", "8")])
    line = order.lines.get()
    client = web(org.sam)
    page = client.get(reverse("order-create-invoice", args=[order.pk]))
    assert page.status_code == 200 and b"Seat" in page.content
    response = client.post(reverse("order-create-invoice", args=[order.pk]),
                           {f"line_{line.pk}": "12"})
    assert response.status_code == 400
    assert b'value="12"' in response.content
    assert not Invoice.objects.exists()
    client.post(reverse("order-create-invoice", args=[order.pk]), {f"line_{line.pk}": "4"})
    assert Invoice.objects.get().lines.get().quantity == Decimal("4")


def test_issue_and_pay_from_the_invoice_page(org, web):
    invoice = make_invoice(owner=org.sam, issue=False)
    client = web(org.sam)
    page = client.get(invoice.get_absolute_url())
    assert b"Issue invoice" in page.content and b"has no number yet" in page.content
    response = client.post(reverse("invoice-issue", args=[invoice.pk]), follow=True)
    invoice.refresh_from_db()
    assert invoice.number.encode() in response.content
    assert b"Refunds and credit notes are out of scope" in response.content
    key = response.context["payment_form"]["idempotency_key"].value()
    data = {"amount": "100.00", "date": timezone.localdate().isoformat(), "reference": "wire",
            "idempotency_key": key}
    client.post(reverse("invoice-payment", args=[invoice.pk]), data)
    # a double submit of the same form records one payment
    response = client.post(reverse("invoice-payment", args=[invoice.pk]), data, follow=True)
    assert Payment.objects.filter(invoice=invoice).count() == 1
    assert b"84.42" in response.content


def test_a_payment_above_the_balance_is_shown_on_the_form_with_the_typed_values(org, web):
    invoice = make_invoice(owner=org.sam)
    response = web(org.sam).post(reverse("invoice-payment", args=[invoice.pk]), {
        "amount": "500.00", "date": timezone.localdate().isoformat(), "reference": "cheque 7"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "more than the balance" in content and 'value="cheque 7"' in content
    assert not Payment.objects.exists()


def test_invoice_list_filters_by_overdue_and_totals_the_outstanding_balance(org, web):
    today = timezone.localdate()
    late = make_invoice(owner=org.sam, issue_date=today - timedelta(days=45))
    make_invoice(owner=org.sam, issue_date=today)
    services.invoice_record_payment(invoice=late, amount="84.42", actor=org.sam)
    client = web(org.sam)
    everything = client.get(reverse("invoice-list"))
    assert everything.context["outstanding"] == Decimal("284.42")
    overdue = client.get(reverse("invoice-list"), {"overdue": "true"})
    assert [i.pk for i in overdue.context["object_list"]] == [late.pk]
    assert overdue.context["outstanding"] == Decimal("100.00")
    assert b"overdue" in overdue.content


@pytest.mark.parametrize("params", [{"status": "draft"}, {"customer": "Account"},
                                    {"issued_after": "2000-01-01"}])
def test_invoice_list_filters_accept_status_customer_and_period(org, web, params):
    make_invoice(owner=org.sam)
    response = web(org.sam).get(reverse("invoice-list"), params)
    assert response.status_code == 200


def test_invoice_list_query_count(org, web, django_assert_max_num_queries):
    for index in range(32):
        make_invoice(owner=[org.sam, org.sofia, org.tom][index % 3], issue=index % 2 == 0)
    client = web(org.maria)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("invoice-list"))
    assert len(response.context["object_list"]) > 20


def test_invoice_pdf_is_a_pdf(org, web):
    invoice = make_invoice(owner=org.sam)
    response = web(org.sam).get(reverse("invoice-pdf", args=[invoice.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_aging_page_is_for_managers(org, web):
    make_invoice(owner=org.sam, issue_date=timezone.localdate() - timedelta(days=100))
    assert web(org.sam).get(reverse("ar-aging")).status_code == 403
    response = web(org.maria).get(reverse("ar-aging"))
    assert response.status_code == 200
    assert response.context["totals"]["days_61_90"] == Decimal("184.42")
    assert b'data-testid="bucket-days_61_90">184.42<' in response.content


def test_aging_page_query_count(org, web, django_assert_max_num_queries):
    for index in range(30):
        make_invoice(owner=org.sam, issue_date=timezone.localdate() - timedelta(days=index * 5))
    client = web(org.maria)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("ar-aging"))
    assert response.context["totals"]["invoices"] == 30


def test_create_order_from_the_quote_page_through_the_confirmation_page(org, web):
    from opportunities import services as opportunity_services

    opportunity = opportunity_services.opportunity_create(actor=org.sam, topic="Seats",
                                                          account=None)
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)
    client = web(org.sam)
    assert b"Create order" in client.get(quote.get_absolute_url()).content
    confirm = client.get(reverse("quote-create-order", args=[quote.pk]))
    assert confirm.status_code == 200 and b"Also close the opportunity" in confirm.content
    # the seller unticks "win the opportunity"
    response = client.post(reverse("quote-create-order", args=[quote.pk]),
                           {"win_opportunity_shown": "1"}, follow=True)
    order = Order.objects.get(quote=quote)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert order.total == Decimal("184.42")
    opportunity.refresh_from_db()
    assert opportunity.status == "open"
    # and the quote page now lists the order
    assert order.number in get_with_panels(client, quote.get_absolute_url())


def test_create_order_on_a_won_quote_explains_why_not(org, web):
    quote = make_active_quote(owner=org.sam)
    client = web(org.sam)
    client.post(reverse("quote-create-order", args=[quote.pk]))
    response = client.get(reverse("quote-create-order", args=[quote.pk]), follow=True)
    assert b"Only an active quote can become an order" in response.content


def test_order_confirmation_pdf_page(org, web):
    order = make_order(owner=org.sam)
    response = web(org.sam).get(reverse("order-pdf", args=[order.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_pages_ask_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("invoice-list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_account_page_lists_its_orders_and_invoices(org, web):
    invoice = make_invoice(owner=org.sam)
    content = get_with_panels(web(org.sam), invoice.account.get_absolute_url())
    assert "Orders and invoices" in content
    assert invoice.number in content and invoice.order.number in content


def test_global_search_finds_invoices_and_orders_by_number(org, web):
    invoice = make_invoice(owner=org.sam)
    hidden = make_invoice(owner=org.olga)
    client = web(org.sam)
    response = client.get(reverse("search"), {"q": invoice.number})
    assert invoice.number.encode() in response.content
    assert client.get(reverse("search"), {"q": hidden.number}).context["total"] == 0
    assert invoice.order.number.encode() in client.get(
        reverse("search"), {"q": invoice.order.number}).content


@pytest.mark.parametrize("sort", ["due", "-total", "customer", "bogus"])
def test_invoice_list_sorts_by_column(org, web, sort):
    make_invoice(owner=org.sam)
    make_invoice(owner=org.sam, issue=False)
    response = web(org.sam).get(reverse("invoice-list"), {"sort": sort})
    assert response.status_code == 200 and len(response.context["object_list"]) == 2
