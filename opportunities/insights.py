"""Opportunity widgets for the dashboards (crm.insights): each one SQL aggregate, scoped by
ctx (visibility, team and owner filters) and, where it makes sense, by the period."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from crm.common.money import round_money
from crm.insights.admin_home import AdminLink, register_admin_link
from crm.insights.periods import add_months, months_between
from crm.insights.registry import (
    DAYS,
    INT,
    MONEY,
    PERCENT,
    TEXT,
    Chart,
    Column,
    Widget,
    list_url,
    register_widget,
)

from .models import STAGE_ORDER, Opportunity, Stage, StageChange, Status

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=2)


def _money_sum(expression, condition=None):
    return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=MONEY_FIELD)


def _owner_name(row, prefix="owner__"):
    full = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return full or row[prefix + "username"]


# --- pipeline funnel -------------------------------------------------------------------------


def pipeline(ctx):
    """Open opportunities per stage: count, estimated amount and weighted amount
    (estimated revenue x probability)."""
    weighted = ExpressionWrapper(F("estimated_revenue") * F("probability") / Value(100),
                                 output_field=MONEY_FIELD)
    found = {
        row["stage"]: row
        for row in ctx.scope(Opportunity.objects.filter(status=Status.OPEN))
        .order_by().values("stage")
        .annotate(count=Count("id"), amount=_money_sum("estimated_revenue"),
                  weighted=_money_sum(weighted))
    }
    labels = dict(Stage.choices)
    rows = []
    for index, stage in enumerate(STAGE_ORDER, start=1):
        row = found.get(stage, {})
        # numbered like the process bar and Opportunity.stage_label: "2. Develop"
        rows.append({"stage": stage, "label": f"{index}. {labels[stage]}",
                     "count": row.get("count", 0), "amount": row.get("amount", ZERO),
                     "weighted": round_money(row.get("weighted", ZERO))})
    return rows


register_widget(Widget(
    name="opportunities.pipeline",
    title=_("Pipeline by stage"),
    description=_("Open opportunities; weighted = estimated revenue x probability."),
    columns=(Column("label", _("Stage")), Column("count", _("Opportunities"), INT),
             Column("amount", _("Estimated revenue"), MONEY),
             Column("weighted", _("Weighted"), MONEY)),
    compute=pipeline,
    chart=Chart(type="funnel", series=(("amount", _("Estimated revenue")),
                                       ("weighted", _("Weighted")))),
    uses_period=False,
    link=lambda ctx, row: list_url("opportunity-list", status="open", stage=row["stage"],
                                   **ctx.link_params()),
    order=20,
))


# --- won vs lost by owner ------------------------------------------------------------------


def won_lost_by_owner(ctx):
    closed = Q(status__in=[Status.WON, Status.LOST]) & ctx.period.q("actual_close_date")
    rows = (
        ctx.scope(Opportunity.objects.filter(closed))
        .order_by()
        .values("owner_id", "owner__first_name", "owner__last_name", "owner__username")
        .annotate(
            won=Count("id", filter=Q(status=Status.WON)),
            lost=Count("id", filter=Q(status=Status.LOST)),
            won_amount=_money_sum(Coalesce("actual_revenue", "estimated_revenue"),
                                  Q(status=Status.WON)),
        )
        .order_by("-won_amount", "owner_id")
    )
    return [{"owner": row["owner_id"], "label": _owner_name(row), "won": row["won"],
             "lost": row["lost"], "won_amount": row["won_amount"]} for row in rows]


register_widget(Widget(
    name="opportunities.won_lost_by_owner",
    title=_("Deals won vs lost by owner"),
    description=_("Closed in the period."),
    columns=(Column("label", _("Owner")), Column("won", _("Won"), INT),
             Column("lost", _("Lost"), INT), Column("won_amount", _("Won revenue"), MONEY)),
    compute=won_lost_by_owner,
    chart=Chart(type="bar", stacked=True, series=(("won", _("Won")), ("lost", _("Lost")))),
    link=lambda ctx, row: list_url("opportunity-list", owner=row["owner"]),
    order=40,
))


# --- estimated vs actual revenue by month -------------------------------------------------


def _month_range(ctx):
    if ctx.period.start is not None:
        return ctx.period.start, ctx.period.end
    end = add_months(ctx.today.replace(day=1), 1)
    return add_months(end, -12), end


def revenue_by_month(ctx):
    """Estimated revenue of open and won deals by estimated close month against actual revenue
    of won deals by actual close month (one UNION ALL of two GROUP BYs)."""
    start, end = _month_range(ctx)
    base = ctx.scope(Opportunity.objects.all()).order_by()
    estimated = (
        base.filter(status__in=[Status.OPEN, Status.WON], estimated_close_date__gte=start,
                    estimated_close_date__lt=end)
        .annotate(month=TruncMonth("estimated_close_date")).values("month")
        .annotate(estimated=_money_sum("estimated_revenue"),
                  actual=Value(ZERO, output_field=MONEY_FIELD))
    )
    actual = (
        base.filter(status=Status.WON, actual_close_date__gte=start, actual_close_date__lt=end)
        .annotate(month=TruncMonth("actual_close_date")).values("month")
        .annotate(estimated=Value(ZERO, output_field=MONEY_FIELD),
                  actual=_money_sum(Coalesce("actual_revenue", "estimated_revenue")))
    )
    totals: dict = {}
    for row in estimated.union(actual, all=True):
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        est, act = totals.get(month, (ZERO, ZERO))
        totals[month] = (est + row["estimated"], act + row["actual"])
    return [{"month": m.isoformat(), "label": formats.date_format(m, "M Y"),
             "estimated": totals.get(m, (ZERO, ZERO))[0],
             "actual": totals.get(m, (ZERO, ZERO))[1]}
            for m in months_between(start, end)]


register_widget(Widget(
    name="opportunities.revenue_by_month",
    title=_("Estimated vs actual revenue by month"),
    description=_("Estimated: open and won deals by estimated close date. Actual: won revenue "
                  "by close date."),
    columns=(Column("label", _("Month")), Column("estimated", _("Estimated"), MONEY),
             Column("actual", _("Actual"), MONEY)),
    compute=revenue_by_month,
    chart=Chart(type="bar", series=(("estimated", _("Estimated")), ("actual", _("Actual")))),
    order=50,
))


# --- top open opportunities ---------------------------------------------------------------


def top_open(ctx, limit=10):
    rows = (
        ctx.scope(Opportunity.objects.filter(status=Status.OPEN))
        .order_by("-estimated_revenue", "id")
        .values("id", "topic", "account__name", "owner__first_name", "owner__last_name",
                "owner__username", "stage", "estimated_revenue", "probability",
                "estimated_close_date")[:limit]
    )
    labels = dict(Stage.choices)
    return [{"id": r["id"], "label": r["topic"], "account": r["account__name"] or "",
             "owner": _owner_name(r), "stage": str(labels.get(r["stage"], r["stage"])),
             "amount": r["estimated_revenue"], "probability": r["probability"],
             "close_date": r["estimated_close_date"].isoformat()
             if r["estimated_close_date"] else ""} for r in rows]


def _detail_link(ctx, row):
    try:
        return reverse("opportunity-detail", args=[row["id"]])
    except NoReverseMatch:  # a row without an id
        return None


register_widget(Widget(
    name="opportunities.top_open",
    title=_("Top open opportunities"),
    columns=(Column("label", _("Opportunity")), Column("account", _("Account")),
             Column("owner", _("Owner")), Column("stage", _("Stage")),
             Column("amount", _("Estimated revenue"), MONEY),
             Column("probability", _("Probability %"), INT),
             Column("close_date", _("Est. close"), TEXT)),
    compute=top_open,
    chart=Chart(type="hbar", series=(("amount", _("Estimated revenue")),)),
    uses_period=False,
    link=_detail_link,
    order=60,
))


# --- win rate and sales cycle -------------------------------------------------------------


def win_rate(ctx):
    """Closed in the period: won, lost, win rate = won / (won + lost), won revenue and the
    average sales cycle of won deals (created -> actual close, in days)."""
    cycle = ExpressionWrapper(F("actual_close_date") - TruncDate("created_at"),
                              output_field=DurationField())
    row = ctx.scope(
        Opportunity.objects.filter(Q(status__in=[Status.WON, Status.LOST])
                                   & ctx.period.q("actual_close_date"))
    ).aggregate(
        won=Count("id", filter=Q(status=Status.WON)),
        lost=Count("id", filter=Q(status=Status.LOST)),
        won_amount=_money_sum(Coalesce("actual_revenue", "estimated_revenue"),
                              Q(status=Status.WON)),
        cycle=Avg(cycle, filter=Q(status=Status.WON)),
    )
    closed = row["won"] + row["lost"]
    rate = (Decimal(row["won"] * 100) / closed).quantize(Decimal("0.1")) if closed else None
    days = None
    if isinstance(row["cycle"], timedelta):
        days = (Decimal(row["cycle"].total_seconds()) / 86400).quantize(Decimal("0.1"))
    elif row["cycle"] is not None:
        days = Decimal(row["cycle"]).quantize(Decimal("0.1"))
    return [{"won": row["won"], "lost": row["lost"], "win_rate": rate,
             "won_amount": row["won_amount"], "sales_cycle": days}]


register_widget(Widget(
    name="opportunities.win_rate",
    title=_("Win rate and sales cycle"),
    description=_("Opportunities closed in the period."),
    columns=(Column("win_rate", _("Win rate"), PERCENT), Column("won", _("Won"), INT),
             Column("lost", _("Lost"), INT), Column("won_amount", _("Won revenue"), MONEY),
             Column("sales_cycle", _("Average sales cycle"), DAYS)),
    compute=win_rate,
    kpi=True,
    link=lambda ctx, row: list_url("opportunity-list", status="won", **ctx.link_params()),
    order=5,
))


# --- time in stage ------------------------------------------------------------------------


def time_in_stage(ctx):
    """Average time opportunities spent in each stage they left during the period (from the
    stage history)."""
    rows = {
        row["from_stage"]: row
        for row in ctx.scope(
            StageChange.objects.filter(ctx.period.q("changed_at", is_datetime=True))
            .exclude(from_stage="").filter(time_in_previous_stage__isnull=False),
            owner_field="opportunity__owner",
        ).order_by().values("from_stage")
        .annotate(moves=Count("id"), average=Avg("time_in_previous_stage"))
    }
    labels = dict(Stage.choices)
    result = []
    for stage in STAGE_ORDER:
        row = rows.get(stage)
        days = None
        if row and row["average"] is not None:
            days = (Decimal(row["average"].total_seconds()) / 86400).quantize(Decimal("0.1"))
        result.append({"stage": stage, "label": str(labels[stage]),
                       "moves": row["moves"] if row else 0, "days": days})
    return result


register_widget(Widget(
    name="opportunities.time_in_stage",
    title=_("Time in stage"),
    description=_("Average days spent in a stage before moving on, for moves in the period."),
    columns=(Column("label", _("Stage")), Column("moves", _("Moves"), INT),
             Column("days", _("Average time"), DAYS)),
    compute=time_in_stage,
    chart=Chart(type="bar", series=(("days", _("Average days")),)),
    link=lambda ctx, row: list_url("opportunity-list", status="open", stage=row["stage"],
                                   **ctx.link_params()),
    order=70,
))


# The admin's home links to the stage settings (the process steps of each stage).
register_admin_link(AdminLink("stage-steps", _("Stage steps"),
                              "admin:opportunities_stagestep_changelist", order=50))
register_admin_link(AdminLink("stage-settings", _("Stage settings"),
                              "admin:opportunities_stagesetting_changelist", order=51))


# --- the chart designer (personal dashboards) --------------------------------------------------


def _register_chart_source():
    from crm.insights.designer import ChartSource, DateSpec, register_chart_source

    from .filters import OpportunityPageFilter
    from .selectors import opportunity_list

    register_chart_source(ChartSource(
        key="opportunities",
        label=_("Opportunities"),
        list_url_name="opportunity-list",
        queryset=lambda user: opportunity_list(user=user),
        filterset=OpportunityPageFilter,
        money_fields=(("estimated_revenue", _("Estimated revenue")),
                      ("actual_revenue", _("Actual revenue"))),
        choice_fields=(("stage", _("Stage")), ("status", _("Status")),
                       ("forecast_category", _("Forecast category")), ("rating", _("Rating"))),
        dates=(DateSpec("estimated_close_date", _("Estimated close"), "close_after",
                        "close_before"),
               DateSpec("actual_close_date", _("Actual close"), "closed_after",
                        "closed_before")),
        order=20,
    ))


_register_chart_source()
