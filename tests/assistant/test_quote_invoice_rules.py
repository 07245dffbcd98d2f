"""Quote expiring within 7 days; invoice overdue (active, balance left, due date passed)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.assistant.models import Card, Priority
from invoices.models import Invoice
from quotes.models import Quote
from tests.factories import UserFactory
from tests.invoices.factories import make_invoice
from tests.quotes.factories import make_active_quote

from .conftest import NOW

pytestmark = pytest.mark.django_db

MIDNIGHT = NOW.replace(hour=0, minute=0)


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def test_an_active_quote_is_flagged_seven_days_before_it_expires_not_a_minute_earlier(
        clock, scan, sam):
    quote = make_active_quote(owner=sam)
    Quote.objects.filter(pk=quote.pk).update(valid_until=date(2026, 12, 8))

    clock.move_to(MIDNIGHT + timedelta(days=1) - timedelta(minutes=1))  # 30 Nov 23:59: 8 days
    assert [c for c in scan() if c[1] == "quote_expiring"] == []
    clock.move_to(MIDNIGHT + timedelta(days=1, minutes=1))  # 1 Dec 00:01: 7 days
    assert [c for c in scan() if c[1] == "quote_expiring"] == [
        ("sam", "quote_expiring", quote.pk, "2026-12-08")]
    card = Card.objects.get(kind="quote_expiring")
    assert card.body == (f"Quote {quote} for 100.00 USD is valid until Dec 8, 2026, expiring in "
                         f"7 days. Follow up or revise it.")


def test_the_expiry_card_retires_once_the_quote_has_expired(clock, scan, sam):
    quote = make_active_quote(owner=sam)
    Quote.objects.filter(pk=quote.pk).update(valid_until=date(2026, 11, 30))
    assert [c[1] for c in scan() if c[1] == "quote_expiring"] == ["quote_expiring"]
    assert Card.objects.get(kind="quote_expiring").priority == Priority.HIGH  # expires today

    clock.move_to(MIDNIGHT + timedelta(days=1, minutes=1))
    assert [c for c in scan() if c[1] == "quote_expiring"] == []


def test_a_draft_quote_never_gets_an_expiry_card(clock, scan, sam):
    from tests.quotes.factories import make_quote

    quote = make_quote(owner=sam)
    Quote.objects.filter(pk=quote.pk).update(valid_until=date(2026, 12, 2))

    assert [c for c in scan() if c[1] == "quote_expiring"] == []


def test_an_invoice_is_overdue_from_the_day_after_its_due_date(clock, scan, sam):
    invoice = make_invoice(owner=sam)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2026, 11, 30))

    clock.move_to(MIDNIGHT + timedelta(days=1) - timedelta(minutes=1))
    assert [c for c in scan() if c[1] == "invoice_overdue"] == []
    clock.move_to(MIDNIGHT + timedelta(days=1, minutes=1))
    assert [c for c in scan() if c[1] == "invoice_overdue"] == [
        ("sam", "invoice_overdue", invoice.pk, "2026-11-30")]
    card = Card.objects.get(kind="invoice_overdue")
    invoice.refresh_from_db()
    assert card.title == f"Invoice overdue: {invoice.number}"
    assert card.body == (f"{invoice.number} ({invoice.account.name}) was due Nov 30, 2026, 1 day ago; "
                         f"184.42 USD of 184.42 USD is still open.")


def test_paying_the_invoice_in_full_retires_the_overdue_card(
        clock, scan, sam, django_capture_on_commit_callbacks):
    from invoices.services import invoice_record_payment

    invoice = make_invoice(owner=sam)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=date(2026, 11, 1))
    assert [c[1] for c in scan() if c[1] == "invoice_overdue"] == ["invoice_overdue"]

    with django_capture_on_commit_callbacks(execute=True):
        invoice_record_payment(invoice=Invoice.objects.get(pk=invoice.pk),
                               amount=Decimal("184.42"), actor=sam)
    assert not Card.objects.filter(kind="invoice_overdue").exists()
