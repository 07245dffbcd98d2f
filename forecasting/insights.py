"""The "won vs quota" dashboard widget (crm.insights): won revenue in the period against the
quotas of the owners in scope."""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm.insights.periods import MONTH, QUARTER, YEAR
from crm.insights.registry import INT, MONEY, PERCENT, Column, Widget, list_url, register_widget
from opportunities.models import ForecastCategory, Opportunity, Status

from .models import ZERO, Quota


def _quota_filter(period):
    """Monthly quotas for a month; quarterly quotas for a quarter or longer periods."""
    if period.kind == MONTH:
        return Q(period_type=MONTH, period_start=period.start)
    q = Q(period_type=QUARTER)
    if period.start is not None:
        q &= Q(period_start__gte=period.start)
    if period.end is not None:
        q &= Q(period_start__lt=period.end)
    return q


def won_vs_quota(ctx):
    period = ctx.period
    figures = ctx.scope(Opportunity.objects.all()).aggregate(
        won=Coalesce(Sum(Coalesce("actual_revenue", "estimated_revenue"),
                         filter=Q(status=Status.WON) & period.q("actual_close_date")), ZERO),
        won_count=Count("id", filter=Q(status=Status.WON) & period.q("actual_close_date")),
        committed=Coalesce(Sum("estimated_revenue", filter=Q(
            status=Status.OPEN, forecast_category=ForecastCategory.COMMITTED,
        ) & period.q("estimated_close_date")), ZERO),
    )
    quota = ZERO
    if period.kind in (MONTH, QUARTER, YEAR) or period.start is not None:
        quota = ctx.scope(Quota.objects.filter(_quota_filter(period)), owner_field="user") \
            .aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    attainment = (figures["won"] * 100 / quota).quantize(Decimal("0.1")) if quota else None
    return [{"won": figures["won"], "won_count": figures["won_count"], "quota": quota,
             "attainment": attainment, "committed": figures["committed"],
             "gap": max(quota - figures["won"], ZERO)}]


register_widget(Widget(
    name="forecasting.won_vs_quota",
    title=_("Won this period vs quota"),
    columns=(Column("won", _("Won revenue"), MONEY), Column("quota", _("Quota"), MONEY),
             Column("attainment", _("Attainment"), PERCENT),
             Column("gap", _("Still to win"), MONEY),
             Column("committed", _("Committed (open)"), MONEY),
             Column("won_count", _("Deals won"), INT)),
    compute=won_vs_quota,
    kpi=True,
    link=lambda ctx, row: list_url("forecast-grid", period=ctx.period.key)
    if ctx.period.kind in (MONTH, QUARTER) else list_url("forecast-grid"),
    order=1,
))
