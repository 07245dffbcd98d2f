"""The invoice list's totals line (outstanding and overdue) comes from one aggregate
(issue 17) and gives what the open/overdue querysets give."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from invoices import selectors, services
from invoices.models import Invoice, InvoiceStatus

from .factories import make_invoice, make_order

pytestmark = pytest.mark.django_db


def test_the_totals_are_the_open_and_overdue_querysets(org, web, django_assert_max_num_queries):
    today = timezone.localdate()
    late = make_invoice(owner=org.sam, issue_date=today - timedelta(days=45))
    services.invoice_record_payment(invoice=late, amount="84.42", actor=org.sam)
    paid_late = make_invoice(owner=org.sam, issue_date=today - timedelta(days=60))
    services.invoice_record_payment(invoice=paid_late, amount=paid_late.total, actor=org.sam)
    make_invoice(owner=org.sam, issue_date=today)
    make_invoice(owner=org.sam, issue=False)
    canceled = make_invoice(order=make_order(owner=org.sam),
                            issue_date=today - timedelta(days=90))
    services.invoice_cancel(invoice=canceled, actor=org.sam, note="")

    figures = selectors.invoice_outstanding_and_overdue(Invoice.objects.all(), today)
    open_qs = Invoice.objects.filter(status=InvoiceStatus.ACTIVE)
    overdue_qs = Invoice.objects.overdue(today)
    balance = Sum(F("total") - F("amount_paid"))
    assert figures == {
        "outstanding": open_qs.aggregate(s=balance)["s"], "open_count": open_qs.count(),
        "overdue_amount": overdue_qs.aggregate(s=balance)["s"],
        "overdue_count": overdue_qs.count(),
    }
    assert figures["overdue_amount"] == Decimal("100.00") and figures["overdue_count"] == 1

    client = web(org.sam)
    client.get(reverse("invoice-list"))
    with django_assert_max_num_queries(6):
        page = client.get(reverse("invoice-list"))
    assert page.context["outstanding"] == figures["outstanding"]
    assert (page.context["overdue_amount"], page.context["overdue_count"]) == (Decimal("100.00"),
                                                                               1)
    empty = selectors.invoice_outstanding_and_overdue(Invoice.objects.none(), today)
    assert empty == {"outstanding": Decimal("0"), "open_count": 0,
                     "overdue_amount": Decimal("0"), "overdue_count": 0}
