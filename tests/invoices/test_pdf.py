import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from crm.activities.models import Event
from invoices import selectors, services
from invoices.pdf import invoice_pdf, order_confirmation_pdf

from .factories import make_invoice, make_order

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_invoice_pdf_shows_number_dates_lines_totals_and_balance(org):
    invoice = make_invoice(owner=org.sam, issue_date=date(2026, 3, 1))
    services.invoice_record_payment(invoice=invoice, amount="100.00", actor=org.sam,
                                    date=date(2026, 3, 5))
    invoice.refresh_from_db()
    text = _text(invoice_pdf(invoice, list(selectors.invoice_lines(invoice=invoice))))
    assert "INV-2026-000001" in text
    assert "Mar 31, 2026" in text  # due date, net 30
    assert "Scanner" in text and "89.50" in text
    assert "184.42" in text and "12.92" in text
    assert "Balance due" in text and "84.42" in text
    assert invoice.account.name in text


def test_a_draft_invoice_pdf_says_draft(org):
    invoice = make_invoice(owner=org.sam, issue=False)
    text = _text(invoice_pdf(invoice, list(selectors.invoice_lines(invoice=invoice))))
    assert "DRAFT" in text


def test_a_long_invoice_spreads_over_pages_with_page_numbers(org):
    lines = [(f"Line item {n}", "1", "10.00", "0.00", "8") for n in range(80)]
    invoice = make_invoice(owner=org.sam, lines=lines)
    reader = PdfReader(io.BytesIO(invoice_pdf(invoice, list(invoice.lines.all()))))
    assert len(reader.pages) >= 2
    assert "Page 2 of" in reader.pages[1].extract_text()


def test_the_order_confirmation_pdf(org):
    order = make_order(owner=org.sam)
    text = _text(order_confirmation_pdf(order, list(order.lines.all())))
    assert "Order confirmation" in text and order.number in text and "184.42" in text


def test_overdue_marking_writes_one_event_per_newly_overdue_invoice(org):
    today = timezone.localdate()
    late = make_invoice(owner=org.sam, issue_date=today - timedelta(days=40))
    make_invoice(owner=org.sam, issue_date=today)
    assert services.invoices_record_overdue(today=today) == 1
    assert services.invoices_record_overdue(today=today) == 0  # idempotent
    event = Event.objects.get(record_type="invoice", action="overdue")
    assert event.record_id == late.pk and "184.42" in event.note


def test_the_overdue_task_runs_the_service(org):
    from invoices.tasks import record_overdue

    make_invoice(owner=org.sam, issue_date=timezone.localdate() - timedelta(days=40))
    assert record_overdue.apply().get() == 1
