from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation, TransitionNotAllowed
from invoices import selectors, services
from invoices.models import Invoice, InvoiceStatus, Payment

from .factories import make_invoice

pytestmark = pytest.mark.django_db


def test_a_partial_payment_leaves_the_invoice_active_and_partially_paid(org):
    invoice = make_invoice(owner=org.sam)
    services.invoice_record_payment(invoice=invoice, amount="100.00", actor=org.sam,
                                    reference="wire 1")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACTIVE
    assert invoice.status_reason == "partially_paid"
    assert invoice.amount_paid == Decimal("100.00") and invoice.balance == Decimal("84.42")


def test_the_payment_that_clears_the_balance_marks_the_invoice_paid(org):
    invoice = make_invoice(owner=org.sam)
    services.invoice_record_payment(invoice=invoice, amount="100.00", actor=org.sam)
    services.invoice_record_payment(invoice=invoice, amount="84.42", actor=org.sam)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.status_reason == "paid"
    assert invoice.balance == 0 and invoice.paid_on == timezone.localdate()


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.00"])
def test_a_payment_must_be_positive(org, amount):
    invoice = make_invoice(owner=org.sam)
    with pytest.raises(BusinessRuleViolation) as exc:
        services.invoice_record_payment(invoice=invoice, amount=amount, actor=org.sam)
    assert "amount" in exc.value.extra["fields"]
    assert not Payment.objects.exists()


def test_a_payment_above_the_balance_is_refused(org):
    invoice = make_invoice(owner=org.sam)
    services.invoice_record_payment(invoice=invoice, amount="180.00", actor=org.sam)
    with pytest.raises(BusinessRuleViolation) as exc:
        services.invoice_record_payment(invoice=invoice, amount="4.43", actor=org.sam)
    assert exc.value.reason == RefusalReason.PAYMENT_ABOVE_BALANCE
    assert "amount" in exc.value.extra["fields"]


def test_a_payment_dated_in_the_future_is_refused(org):
    invoice = make_invoice(owner=org.sam)
    with pytest.raises(BusinessRuleViolation):
        services.invoice_record_payment(invoice=invoice, amount="1.00", actor=org.sam,
                                        date=timezone.localdate() + timedelta(days=1))


@pytest.mark.parametrize("state", ["draft", "paid", "canceled"])
def test_payments_only_on_an_issued_unpaid_invoice(org, state):
    invoice = make_invoice(owner=org.sam, issue=state != "draft")
    if state == "paid":
        services.invoice_record_payment(invoice=invoice, amount=invoice.total, actor=org.sam)
    if state == "canceled":
        services.invoice_cancel(invoice=invoice, actor=org.sam)
    with pytest.raises(TransitionNotAllowed):
        services.invoice_record_payment(invoice=invoice, amount="1.00", actor=org.sam)


def test_a_retried_payment_with_the_same_idempotency_key_records_one_payment(org):
    invoice = make_invoice(owner=org.sam)
    first = services.invoice_record_payment(invoice=invoice, amount="50.00", actor=org.sam,
                                            idempotency_key="pay-123")
    again = services.invoice_record_payment(invoice=invoice, amount="50.00", actor=org.sam,
                                            idempotency_key="pay-123")
    invoice.refresh_from_db()
    assert again.pk == first.pk
    assert invoice.payments.count() == 1 and invoice.amount_paid == Decimal("50.00")


def test_the_same_idempotency_key_with_another_amount_is_refused(org):
    invoice = make_invoice(owner=org.sam)
    services.invoice_record_payment(invoice=invoice, amount="50.00", actor=org.sam,
                                    idempotency_key="pay-123")
    with pytest.raises(BusinessRuleViolation):
        services.invoice_record_payment(invoice=invoice, amount="60.00", actor=org.sam,
                                        idempotency_key="pay-123")


def test_a_retry_after_the_invoice_was_paid_still_returns_the_first_payment(org):
    invoice = make_invoice(owner=org.sam)
    first = services.invoice_record_payment(invoice=invoice, amount=invoice.total,
                                            actor=org.sam, idempotency_key="final")
    again = services.invoice_record_payment(invoice=invoice, amount=invoice.total,
                                            actor=org.sam, idempotency_key="final")
    assert again.pk == first.pk


def _issued(org, days_ago: int, payment_terms="net_30", **kwargs) -> Invoice:
    today = timezone.localdate()
    return make_invoice(owner=org.sam, payment_terms=payment_terms,
                        issue_date=today - timedelta(days=days_ago), **kwargs)


def test_overdue_means_active_with_a_balance_past_the_due_date(org):
    today = timezone.localdate()
    overdue = _issued(org, 31)  # due yesterday
    due_today = _issued(org, 30)
    paid_late = _issued(org, 40)
    services.invoice_record_payment(invoice=paid_late, amount=paid_late.total, actor=org.sam)
    partly = _issued(org, 45)
    services.invoice_record_payment(invoice=partly, amount="1.00", actor=org.sam)
    draft = make_invoice(owner=org.sam, issue=False)
    overdue_ids = set(Invoice.objects.overdue(today).values_list("pk", flat=True))
    assert overdue_ids == {overdue.pk, partly.pk}
    assert overdue.is_overdue(today) and not due_today.is_overdue(today)
    assert not draft.is_overdue(today)
    assert overdue.days_overdue(today) == 1


def test_aging_puts_each_open_balance_in_its_bucket(org):
    today = timezone.localdate()
    # days past due = days since issue - 30 (net 30)
    _issued(org, 10)  # current
    _issued(org, 30 + 1)  # 1-30
    _issued(org, 30 + 30)  # 1-30 (edge)
    _issued(org, 30 + 31)  # 31-60
    _issued(org, 30 + 75)  # 61-90
    _issued(org, 30 + 91)  # 90+
    partly = _issued(org, 30 + 200)  # 90+ with a payment
    services.invoice_record_payment(invoice=partly, amount="84.42", actor=org.sam)
    paid = _issued(org, 30 + 5)
    services.invoice_record_payment(invoice=paid, amount=paid.total, actor=org.sam)
    make_invoice(owner=org.sam, issue=False)  # drafts are not receivables
    report = selectors.ar_aging(user=org.maria, today=today)
    totals = report["totals"]
    v = Decimal("184.42")
    assert totals["current"] == v
    assert totals["days_1_30"] == 2 * v
    assert totals["days_31_60"] == v
    assert totals["days_61_90"] == v
    assert totals["days_over_90"] == v + Decimal("100.00")
    assert totals["total"] == 6 * v + Decimal("100.00")
    assert totals["invoices"] == 7


def test_aging_only_counts_invoices_the_user_may_read(org):
    _issued(org, 40)
    olga_invoice = make_invoice(owner=org.olga)
    assert selectors.ar_aging(user=org.walt, today=date.today())["totals"]["invoices"] == 0
    assert selectors.ar_aging(user=org.admin, today=date.today())["totals"]["invoices"] == 2
    assert olga_invoice.pk


def test_aging_has_one_row_per_account_whichever_contact_was_billed(org):
    from invoices.models import Invoice
    from tests.factories import AccountFactory, ContactFactory

    account = AccountFactory(owner=org.sam, name="Tailspin Toys")
    first, second = (ContactFactory(account=account, owner=org.sam) for _ in range(2))
    for contact in (first, second):
        invoice = _issued(org, 40, account=account)
        Invoice.objects.filter(pk=invoice.pk).update(contact=contact)
    rows = selectors.ar_aging(user=org.maria, today=timezone.localdate())["rows"]
    assert [(row["customer"], row["invoices"]) for row in rows] == [("Tailspin Toys", 2)]
