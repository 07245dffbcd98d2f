"""Quote widget for the dashboards (crm.insights): quotes of the period by status."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.insights.registry import INT, MONEY, Chart, Column, Widget, list_url, register_widget

from .models import Quote, QuoteStatus, QuoteStatusReason

ZERO = Decimal("0.00")


def by_status(ctx):
    """Quotes created in the period per status, counted once per quote number (revisions
    closed as "revised" are left out so a revised quote is not counted twice)."""
    found = {
        row["status"]: row
        for row in ctx.scope(Quote.objects.filter(ctx.period.q("created_at", is_datetime=True)))
        .exclude(status_reason=QuoteStatusReason.REVISED)
        .order_by().values("status")
        .annotate(count=Count("id"),
                  amount=Coalesce(Sum("total"), Value(ZERO),
                                  output_field=DecimalField(max_digits=20, decimal_places=2)))
    }
    return [{"status": value, "label": str(label), "count": found.get(value, {}).get("count", 0),
             "amount": found.get(value, {}).get("amount", ZERO)}
            for value, label in QuoteStatus.choices]


register_widget(Widget(
    name="quotes.by_status",
    title=_("Quotes by status"),
    description=_("Quotes created in the period (latest revision)."),
    columns=(Column("label", _("Status")), Column("count", _("Quotes"), INT),
             Column("amount", _("Total"), MONEY)),
    compute=by_status,
    chart=Chart(type="doughnut", series=(("amount", _("Total")),)),
    link=lambda ctx, row: list_url("quote-list", status=row["status"], **ctx.link_params()),
    order=75,
))
