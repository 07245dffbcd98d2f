"""Receivables widget for the dashboards (crm.insights): outstanding invoices by age."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.insights.registry import INT, MONEY, Chart, Column, Widget, list_url, register_widget

from .models import Invoice

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=2)

# (key, label, first day overdue, last day overdue); None: open-ended
BUCKETS = (
    ("current", _("Not yet due"), None, 0),
    ("1_30", _("1–30 days overdue"), 1, 30),
    ("31_60", _("31–60 days overdue"), 31, 60),
    ("61_90", _("61–90 days overdue"), 61, 90),
    ("over_90", _("Over 90 days overdue"), 91, None),
)


def _bucket_q(today, first, last):
    """Invoices whose due date is `first`..`last` days before today (current: not past due)."""
    if first is None:
        return Q(due_date__isnull=True) | Q(due_date__gte=today)
    q = Q(due_date__lte=today - timedelta(days=first))
    if last is not None:
        q &= Q(due_date__gte=today - timedelta(days=last))
    return q


def aging(ctx):
    """Issued invoices with a balance, bucketed by days past due (conditional aggregation in
    one query); as of today, whatever the period."""
    balance = F("total") - F("amount_paid")
    aggregates = {}
    for key, _label, first, last in BUCKETS:
        q = _bucket_q(ctx.today, first, last)
        aggregates[f"{key}_count"] = Count("id", filter=q)
        aggregates[f"{key}_amount"] = Coalesce(Sum(balance, filter=q), Value(ZERO),
                                               output_field=MONEY_FIELD)
    row = ctx.scope(Invoice.objects.open()).aggregate(**aggregates)
    return [{"bucket": key, "label": str(label), "count": row[f"{key}_count"],
             "amount": row[f"{key}_amount"], "first": first}
            for key, label, first, last in BUCKETS]


def _aging_link(ctx, row):
    params = {"status": "active", **ctx.link_params()}
    if row["first"] is None:
        params["overdue"] = "false"
    else:
        params["overdue"] = "true"
        params["due_before"] = (ctx.today - timedelta(days=row["first"])).isoformat()
    return list_url("invoice-list", **params)


register_widget(Widget(
    name="invoices.aging",
    title=_("Invoices outstanding and overdue"),
    description=_("Balance of issued, unpaid invoices by days past the due date."),
    columns=(Column("label", _("Age")), Column("count", _("Invoices"), INT),
             Column("amount", _("Balance"), MONEY)),
    compute=aging,
    chart=Chart(type="bar", series=(("amount", _("Balance")),)),
    uses_period=False,
    link=_aging_link,
    order=80,
))


# --- the chart designer (personal dashboards) --------------------------------------------------


def _register_chart_source():
    from crm.insights.designer import ChartSource, DateSpec, register_chart_source

    from .filters import InvoicePageFilter, OrderPageFilter
    from .selectors import invoice_list, order_list

    register_chart_source(ChartSource(
        key="invoices",
        label=_("Invoices"),
        list_url_name="invoice-list",
        queryset=lambda user: invoice_list(user=user),
        filterset=InvoicePageFilter,
        money_fields=(("total", _("Total")), ("amount_paid", _("Amount paid"))),
        choice_fields=(("status", _("Status")),),
        dates=(DateSpec("issue_date", _("Issue date"), "issued_after", "issued_before"),),
        order=40,
    ))
    register_chart_source(ChartSource(
        key="orders",
        label=_("Orders"),
        list_url_name="order-list",
        queryset=lambda user: order_list(user=user),
        filterset=OrderPageFilter,
        money_fields=(("total", _("Total")),),
        choice_fields=(("status", _("Status")),),
        dates=(DateSpec("created_at", _("Created"), "created_after", "created_before"),),
        team_param=None,  # the orders list has no team filter
        order=30,
    ))


_register_chart_source()
