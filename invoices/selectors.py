"""Scoped reads of orders, invoices and payments: every page and endpoint goes through here."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from crm.common.money import ZERO
from crm.common.visibility import get_readable_or_404, scope_readable

from .models import MONEY, Invoice, InvoiceStatus, Order

AGING_BUCKETS = (
    ("current", "Current"),
    ("days_1_30", "1-30 days"),
    ("days_31_60", "31-60 days"),
    ("days_61_90", "61-90 days"),
    ("days_over_90", "90+ days"),
)


def order_list(*, user):
    """Orders `user` may read, shaped for list pages and the API."""
    return scope_readable(
        Order.objects.select_related("owner", "account", "contact", "quote"), user
    )


def order_get(*, user, pk) -> Order:
    return get_readable_or_404(
        Order.objects.select_related("owner", "account", "contact", "quote", "opportunity"),
        user, pk=pk,
    )


def order_lines(*, order):
    return order.lines.select_related("product").order_by("sequence", "id")


def order_invoices(*, order):
    return order.invoices.select_related("owner").order_by("-created_at", "-id")


def invoice_list(*, user):
    """Invoices `user` may read, with the customer and owner loaded."""
    return scope_readable(
        Invoice.objects.select_related("owner", "account", "contact", "order"), user
    )


def invoice_get(*, user, pk) -> Invoice:
    return get_readable_or_404(
        Invoice.objects.select_related("owner", "account", "contact", "order", "opportunity"),
        user, pk=pk,
    )


def invoice_lines(*, invoice):
    return invoice.lines.select_related("product").order_by("sequence", "id")


def invoice_payments(*, invoice):
    return invoice.payments.select_related("recorded_by").order_by("-date", "-id")


def invoice_outstanding_and_overdue(queryset, today: date) -> dict:
    """Open balances (issued, unpaid) over an already scoped and filtered queryset, and their
    overdue part, in one aggregate: `outstanding`, `open_count`, `overdue_amount`,
    `overdue_count` (overdue as `InvoiceQuerySet.overdue`: active, a balance left, due before
    `today`)."""
    money = DecimalField(**MONEY)
    open_filter = Q(status=InvoiceStatus.ACTIVE)
    overdue_filter = open_filter & Q(total__gt=F("amount_paid"), due_date__lt=today)
    return queryset.order_by().aggregate(
        outstanding=Coalesce(Sum(F("total") - F("amount_paid"), filter=open_filter),
                             Value(ZERO), output_field=money),
        open_count=Count("id", filter=open_filter),
        overdue_amount=Coalesce(Sum(F("total") - F("amount_paid"), filter=overdue_filter),
                                Value(ZERO), output_field=money),
        overdue_count=Count("id", filter=overdue_filter),
    )


def ar_aging(*, user, today: date) -> dict:
    """Accounts-receivable aging: open balances per customer in buckets of days past due.

    Computed in one SQL aggregate over the invoices `user` may read (current = not yet due).
    """
    money = DecimalField(**MONEY)
    open_invoices = Invoice.objects.open()
    qs = scope_readable(open_invoices, user)

    def bucket(condition):
        return Coalesce(Sum(F("total") - F("amount_paid"), filter=condition), Value(ZERO),
                        output_field=money)

    buckets = {
        "current": bucket(Q(due_date__gte=today) | Q(due_date__isnull=True)),
        "days_1_30": bucket(Q(due_date__lt=today, due_date__gte=today - timedelta(days=30))),
        "days_31_60": bucket(Q(due_date__lt=today - timedelta(days=30),
                               due_date__gte=today - timedelta(days=60))),
        "days_61_90": bucket(Q(due_date__lt=today - timedelta(days=60),
                               due_date__gte=today - timedelta(days=90))),
        "days_over_90": bucket(Q(due_date__lt=today - timedelta(days=90))),
    }
    # One row per customer: the account when the invoice has one (whichever of its contacts
    # was billed), otherwise the contact.
    def only_without_account(expression, output_field):
        return Case(When(account__isnull=True, then=expression), default=Value(None),
                    output_field=output_field)

    rows = list(
        qs.order_by()
        .annotate(
            customer_contact_id=only_without_account(F("contact_id"), BigIntegerField()),
            customer_first_name=only_without_account(F("contact__first_name"), CharField()),
            customer_last_name=only_without_account(F("contact__last_name"), CharField()),
        )
        .values("account_id", "account__name", "customer_contact_id", "customer_first_name",
                "customer_last_name", "currency")
        .annotate(outstanding=bucket(Q()), invoices=Count("id"), **buckets)
        .order_by("-outstanding", "account__name")
    )
    for row in rows:
        row["contact_id"] = row["customer_contact_id"]
        row["customer"] = row["account__name"] or " ".join(
            p for p in (row["customer_first_name"], row["customer_last_name"]) if p) or "—"
    totals = {key: sum((row[key] for row in rows), Decimal("0.00")) for key, _ in AGING_BUCKETS}
    totals["total"] = sum((row["outstanding"] for row in rows), Decimal("0.00"))
    totals["invoices"] = sum(row["invoices"] for row in rows)
    for row in rows:  # the amounts in bucket order, for the table
        row["cells"] = [(label, row[key]) for key, label in AGING_BUCKETS]
    total_cells = [(key, totals[key]) for key, _ in AGING_BUCKETS]
    return {"rows": rows, "totals": totals, "total_cells": total_cells, "buckets": AGING_BUCKETS,
            "today": today}


def order_search(user, term, limit=8):
    return order_list(user=user).filter(
        Q(number__icontains=term) | Q(name__icontains=term) | Q(account__name__icontains=term)
    ).order_by("-created_at")[:limit]


def invoice_search(user, term, limit=8):
    return invoice_list(user=user).filter(
        Q(number__icontains=term) | Q(name__icontains=term) | Q(account__name__icontains=term)
    ).order_by("-created_at")[:limit]


def related_orders(*, user, **lookup):
    return order_list(user=user).filter(**lookup).order_by("-created_at", "-id")[:20]


def related_invoices(*, user, **lookup):
    return invoice_list(user=user).filter(**lookup).order_by("-created_at", "-id")[:20]
