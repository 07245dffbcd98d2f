"""Concurrent payment requests against PostgreSQL: never above the balance, one per key."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from crm.common.errors import BusinessRuleViolation, TransitionNotAllowed
from invoices import services
from invoices.models import Invoice, Payment

from .factories import make_invoice

WORKERS = 8


def _race(target, count=WORKERS):
    barrier = threading.Barrier(count)
    outcomes = []

    def run():
        try:
            barrier.wait(timeout=30)
            outcomes.append(target())
        except Exception as exc:  # the refused ones are part of the outcome
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_record_one_payment(org):
    invoice = make_invoice(owner=org.sam)
    outcomes = _race(lambda: services.invoice_record_payment(
        invoice=invoice, amount="40.00", actor=org.sam, idempotency_key="retry-storm"))
    assert all(isinstance(o, Payment) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == Decimal("40.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_full_payments_never_exceed_the_balance(org):
    invoice = make_invoice(owner=org.sam)
    outcomes = _race(lambda: services.invoice_record_payment(
        invoice=invoice, amount=invoice.total, actor=org.sam))
    recorded = [o for o in outcomes if isinstance(o, Payment)]
    refused = [o for o in outcomes if isinstance(o, TransitionNotAllowed | BusinessRuleViolation)]
    assert len(recorded) == 1 and len(refused) == WORKERS - 1
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == "paid" and invoice.amount_paid == invoice.total
