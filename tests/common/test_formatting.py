"""Issue 16 item 7: one money formatter (crm.common.formatting.format_money) for every place a
person reads an amount: pages ({% money %}), flash messages, timeline notes, PDFs, forms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from crm.activities.models import Event
from crm.common.formatting import format_money
from invoices import services as invoice_services
from tests.invoices.factories import make_invoice, make_order
from tests.quotes.factories import OpportunityFactory

BIG = [("Fleet rollout", "1", "37284.00", "0.00", "0")]


@pytest.mark.parametrize("amount, currency, expected", [
    (Decimal("67284"), None, "67,284.00"),
    (Decimal("67284"), "USD", "67,284.00 USD"),
    ("37284.005", "EUR", "37,284.01 EUR"),  # half-up to cents
    (Decimal("-1234.5"), "", "-1,234.50"),
    (Decimal("-0.001"), None, "0.00"),  # never "-0.00"
    (0, None, "0.00"),
    (1234567, None, "1,234,567.00"),
    (12.5, None, "12.50"),  # a float aggregate is shown without binary noise
    (None, "USD", "—"),
    ("", None, "—"),
])
def test_format_money(amount, currency, expected):
    assert format_money(amount, currency) == expected


@pytest.mark.parametrize("bad", ["abc", Decimal("NaN"), Decimal("Infinity")])
def test_format_money_refuses_what_is_not_an_amount(bad):
    with pytest.raises(ValueError):
        format_money(bad)


def test_the_money_template_tag_is_the_same_formatter():
    template = Template("{% load crm_tags %}{{ a|money }}|{{ a|money:'CHF' }}|{{ n|money }}")
    rendered = template.render(Context({"a": Decimal("67284.1"), "n": None}))
    assert rendered == f"{format_money(Decimal('67284.1'))}|67,284.10 CHF|—"


@pytest.mark.django_db
def test_payment_messages_and_timeline_notes_use_the_formatter(org, web):
    invoice = make_invoice(owner=org.sam, lines=BIG, freight="0.00")
    assert invoice.total == Decimal("37284.00")
    client = web(org.sam)
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "Balance due: 37,284.00 USD" in page  # the payment form's help text

    data = {"amount": "10000.00", "date": timezone.localdate().isoformat(),
            "reference": "wire", "idempotency_key": "k-1"}
    response = client.post(reverse("invoice-payment", args=[invoice.pk]), data, follow=True)
    text = response.content.decode()
    assert "Payment of 10,000.00 USD recorded. Balance due: 27,284.00 USD." in text
    note = Event.objects.get(record_type="invoice", record_id=invoice.pk,
                             action="payment_recorded").note
    assert note == "Payment of 10,000.00 USD received (wire)."

    data.update(amount="27284.00", idempotency_key="k-2")
    response = client.post(reverse("invoice-payment", args=[invoice.pk]), data, follow=True)
    assert "Payment of 27,284.00 USD recorded: the invoice is paid in full." in (
        response.content.decode())


@pytest.mark.django_db
def test_refusals_and_overdue_and_invoicing_notes_use_the_formatter(org):
    invoice = make_invoice(owner=org.sam, lines=BIG, freight="0.00",
                           issue_date=timezone.localdate() - timedelta(days=90))
    with pytest.raises(Exception) as exc:
        invoice_services.invoice_record_payment(invoice=invoice, amount="40000.00",
                                                actor=org.sam)
    assert "The amount 40,000.00 USD is more than the balance 37,284.00 USD." in str(
        exc.value.message)

    invoice_services.invoices_record_overdue()
    overdue = Event.objects.get(record_type="invoice", record_id=invoice.pk, action="overdue")
    assert overdue.note.startswith("Payment of 37,284.00 USD was due on ")
    invoiced = Event.objects.get(record_type="order", record_id=invoice.order_id,
                                 action="invoiced")
    assert invoiced.note == "Invoice drafted for 37,284.00 USD."


@pytest.mark.django_db
def test_draft_invoice_message_uses_the_formatter(org, web):
    order = make_order(owner=org.sam, lines=BIG, freight="0.00")
    response = web(org.sam).post(reverse("order-create-invoice", args=[order.pk]),
                                 {"whole": "1"}, follow=True)
    assert "Draft invoice created for 37,284.00 USD." in response.content.decode()


@pytest.mark.django_db
def test_win_message_uses_the_formatter(org, web):
    opportunity = OpportunityFactory(owner=org.sam, topic="Fleet",
                                     estimated_revenue=Decimal("67284.00"))
    response = web(org.sam).post(reverse("opportunity-win", args=[opportunity.pk]), {
        "actual_revenue": "67284.00", "close_date": timezone.localdate().isoformat()},
        follow=True)
    assert "Won “Fleet”: 67,284.00 USD." in response.content.decode()
