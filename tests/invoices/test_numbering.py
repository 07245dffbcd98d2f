"""Invoice numbers under concurrent issuing: no gaps, no duplicates (real PostgreSQL)."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection

from invoices import services
from invoices.models import Invoice

from .factories import make_invoice

ISSUERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issuers_get_twenty_consecutive_numbers(org):
    assert connection.vendor == "postgresql"
    drafts = [make_invoice(owner=org.sam, issue=False) for _ in range(ISSUERS)]
    barrier = threading.Barrier(ISSUERS)
    errors = []

    def issue(invoice):
        try:
            barrier.wait(timeout=30)
            services.invoice_issue(invoice=invoice, actor=org.sam, issue_date=date(2026, 6, 1))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, ISSUERS + 1)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_issue_gives_its_number_back(org, monkeypatch):
    from crm.activities import events

    invoice = make_invoice(owner=org.sam, issue=False)
    real = events.record_event

    def failing(**kwargs):
        if kwargs.get("action") == "issued":
            raise RuntimeError("crash after numbering")
        return real(**kwargs)

    monkeypatch.setattr(services, "record_event", failing)
    with pytest.raises(RuntimeError):
        services.invoice_issue(invoice=invoice, actor=org.sam, issue_date=date(2026, 6, 1))
    monkeypatch.setattr(services, "record_event", real)
    issued = services.invoice_issue(invoice=invoice, actor=org.sam, issue_date=date(2026, 6, 1))
    assert issued.number == "INV-2026-000001"
