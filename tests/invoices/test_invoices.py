from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from invoices import services
from invoices.models import Invoice, InvoiceStatus

from .factories import make_invoice, make_order

pytestmark = pytest.mark.django_db


def test_invoice_from_an_active_order_copies_every_line_and_total(org):
    order = make_order(owner=org.sam)
    invoice = services.invoice_create_from_order(order=order, actor=org.sam)
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number == ""
    assert invoice.total == order.total == Decimal("184.42")
    assert invoice.freight_amount == Decimal("10.00")
    assert invoice.lines.count() == 3
    assert invoice.owner == org.sam and invoice.account_id == order.account_id


def test_invoice_from_a_fulfilled_order(org):
    order = services.order_fulfill(order=make_order(owner=org.sam), actor=org.sam)
    invoice = services.invoice_create_from_order(order=order, actor=org.sam)
    assert invoice.total == Decimal("184.42")


def test_partial_invoices_never_bill_more_than_ordered(org):
    # given an order for 10 seats at 50.00 (8% tax) with freight 20.00
    order = make_order(owner=org.sam, lines=[("Seat", "10", "50.00", "0.00", "8")],
                       freight="20.00")
    line = order.lines.get()
    # when 4 seats are invoiced, then the remaining 6
    first = services.invoice_create_from_order(
        order=order, actor=org.sam, lines=[{"order_line": line.pk, "quantity": "4"}])
    second = services.invoice_create_from_order(order=order, actor=org.sam)
    # then the first carries the freight, the second the rest, together the order total
    assert first.total == Decimal("200.00") + Decimal("16.00") + Decimal("20.00")
    assert second.total == Decimal("300.00") + Decimal("24.00")
    assert first.total + second.total == order.total
    # and nothing more can be invoiced
    with pytest.raises(BusinessRuleViolation) as exc:
        services.invoice_create_from_order(order=order, actor=org.sam)
    assert exc.value.reason == RefusalReason.NOTHING_LEFT_TO_INVOICE


def test_a_partial_invoice_above_the_remaining_quantity_is_refused(org):
    order = make_order(owner=org.sam, lines=[("Seat", "10", "50.00", "0.00", "8")])
    line = order.lines.get()
    services.invoice_create_from_order(order=order, actor=org.sam,
                                       lines=[{"order_line": line.pk, "quantity": "8"}])
    with pytest.raises(BusinessRuleViolation) as exc:
        services.invoice_create_from_order(order=order, actor=org.sam,
                                           lines=[{"order_line": line.pk, "quantity": "3"}])
    assert exc.value.reason == RefusalReason.QUANTITY_ABOVE_REMAINING
    assert Invoice.objects.count() == 1


def test_a_partial_line_prorates_its_manual_discount(org):
    order = make_order(owner=org.sam, lines=[("Seat", "4", "100.00", "40.00", "0")], freight="0")
    line = order.lines.get()
    invoice = services.invoice_create_from_order(
        order=order, actor=org.sam, lines=[{"order_line": line.pk, "quantity": "1"}])
    assert invoice.lines.get().manual_discount == Decimal("10.00")
    assert invoice.total == Decimal("90.00")


def test_a_canceled_invoice_frees_its_quantities(org):
    order = make_order(owner=org.sam)
    first = services.invoice_create_from_order(order=order, actor=org.sam)
    services.invoice_cancel(invoice=first, actor=org.sam)
    again = services.invoice_create_from_order(order=order, actor=org.sam)
    assert again.total == Decimal("184.42")


def test_a_line_of_another_order_is_refused(org):
    order = make_order(owner=org.sam)
    other = make_order(owner=org.sam)
    with pytest.raises(BusinessRuleViolation):
        services.invoice_create_from_order(
            order=order, actor=org.sam,
            lines=[{"order_line": other.lines.first().pk, "quantity": "1"}])


def test_issue_assigns_the_number_and_the_due_date_from_payment_terms(org):
    order = make_order(owner=org.sam, payment_terms="net_45")
    invoice = services.invoice_create_from_order(order=order, actor=org.sam)
    invoice = services.invoice_issue(invoice=invoice, actor=org.sam,
                                     issue_date=date(2026, 3, 1))
    assert invoice.status == InvoiceStatus.ACTIVE and invoice.status_reason == "new"
    assert invoice.number == "INV-2026-000001"
    assert invoice.due_date == date(2026, 4, 15)


def test_due_date_defaults_to_net_30(org):
    invoice = make_invoice(owner=org.sam, payment_terms="", issue_date=date(2026, 1, 10))
    assert invoice.due_date == date(2026, 2, 9)


def test_numbers_follow_a_per_year_series(org):
    first = make_invoice(owner=org.sam, issue_date=date(2026, 12, 31))
    second = make_invoice(owner=org.sam, issue_date=date(2026, 12, 31))
    next_year = make_invoice(owner=org.sam, issue_date=date(2027, 1, 1))
    assert [first.number, second.number, next_year.number] == [
        "INV-2026-000001", "INV-2026-000002", "INV-2027-000001"]


def test_a_draft_left_unissued_leaves_no_gap(org):
    make_invoice(owner=org.sam, issue=False)
    issued = make_invoice(owner=org.sam, issue_date=date(2026, 5, 1))
    assert issued.number == "INV-2026-000001"


def test_issuing_twice_is_refused(org):
    invoice = make_invoice(owner=org.sam)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.invoice_issue(invoice=invoice, actor=org.sam)
    assert exc.value.extra["allowed"] == ["record_payment", "cancel"]


def test_an_issued_invoice_is_immutable(org):
    invoice = make_invoice(owner=org.sam)
    with pytest.raises(RecordLocked):
        services.invoice_update(invoice=invoice, actor=org.sam, name="Changed")
    draft = make_invoice(owner=org.sam, issue=False)
    assert services.invoice_update(invoice=draft, actor=org.sam, name="Renamed").name == "Renamed"


def test_cancel_a_draft_or_an_unpaid_issued_invoice(org):
    draft = services.invoice_cancel(invoice=make_invoice(owner=org.sam, issue=False),
                                    actor=org.sam)
    issued = services.invoice_cancel(invoice=make_invoice(owner=org.sam), actor=org.sam)
    assert draft.status == issued.status == InvoiceStatus.CANCELED
    assert issued.number.startswith("INV-")  # the number stays used: no reuse after issue


def test_cancel_is_refused_once_a_payment_exists(org):
    invoice = make_invoice(owner=org.sam)
    services.invoice_record_payment(invoice=invoice, amount="10.00", actor=org.sam)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.invoice_cancel(invoice=invoice, actor=org.sam)
    assert exc.value.reason == RefusalReason.INVOICE_HAS_PAYMENTS


def test_a_zero_total_invoice_is_paid_on_issue(org):
    order = make_order(owner=org.sam, lines=[("Free pilot", "1", "0.00", "0.00", "0")],
                       freight="0")
    invoice = make_invoice(order=order, issue_date=date.today() - timedelta(days=1))
    assert invoice.status == InvoiceStatus.PAID
