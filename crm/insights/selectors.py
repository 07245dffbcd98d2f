"""Reads of personal dashboards and their charts, scoped to the viewer."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from . import designer, engine
from .context import WidgetContext
from .models import DashboardChart, PersonalDashboard
from .periods import relative_period
from .registry import Widget


def personal_dashboards(*, user):
    """The viewer's own dashboards and those their team's managers share with them."""
    own = PersonalDashboard.objects.filter(owner=user)
    shared = PersonalDashboard.objects.none()
    if user.team_id is not None:
        shared = (PersonalDashboard.objects.filter(shared_with_team=True,
                                                   owner__team_id=user.team_id)
                  .exclude(owner=user).select_related("owner"))
    return list(own), list(shared)


def personal_dashboard_get(*, user, pk) -> PersonalDashboard:
    """A dashboard the viewer owns or that is shared with their team; 404 otherwise."""
    readable = Q(owner=user)
    if user.team_id is not None:
        readable |= Q(shared_with_team=True, owner__team_id=user.team_id)
    try:
        return PersonalDashboard.objects.select_related("owner").get(readable, pk=pk)
    except PersonalDashboard.DoesNotExist:
        raise Http404("No such dashboard.")


def dashboard_chart_get(*, dashboard, pk) -> DashboardChart:
    try:
        return dashboard.charts.get(pk=pk)
    except DashboardChart.DoesNotExist:
        raise Http404("No such chart.")


@dataclass
class ChartResult:
    chart: DashboardChart
    source: designer.ChartSource | None
    rows: list[dict] = field(default_factory=list)
    computed_at: datetime | None = None
    from_cache: bool = False
    error: str = ""

    @property
    def is_number(self) -> bool:
        return self.chart.chart_type == "number"

    @property
    def is_empty(self) -> bool:
        return not self.rows or (not self.is_number and not any(r["value"] for r in self.rows))

    @property
    def number(self):
        return self.rows[0]["value"] if self.rows else None

    @property
    def number_url(self):
        return self.rows[0]["url"] if self.rows else None

    @property
    def is_money(self) -> bool:
        return self.chart.measure in ("sum", "avg")

    @property
    def dom_id(self) -> str:
        return f"chart-{self.chart.pk}-data"

    @property
    def period_label(self) -> str:
        if not self.chart.period:
            return ""
        label = str(dict(designer.PERIOD_CHOICES).get(self.chart.period, self.chart.period))
        spec = self.source.date(self.chart.period_field) if self.source else None
        return f"{label} ({str(spec.label).lower()})" if spec else label

    def chart_data(self) -> dict:
        return designer.chart_data(self.rows, chart_type=self.chart.chart_type,
                                   series_label=str(self.chart.title))


def chart_widget(chart: DashboardChart, source: designer.ChartSource) -> Widget:
    """The chart as a widget of the dashboard engine: computed on the replica when there is
    one and cached like the built-in widgets, per configuration, viewer scope and language."""
    stamp = int(chart.updated_at.timestamp() * 1_000_000) if chart.updated_at else 0

    def compute(ctx):
        return designer.compute_rows(
            source, ctx.user, measure=chart.measure, measure_field=chart.measure_field,
            group_by=chart.group_by, stack_by=chart.stack_by, chart_type=chart.chart_type,
            filters=chart.filters, period=chart.period, period_field=chart.period_field,
            today=ctx.today)

    return Widget(name=f"chart.{chart.pk}.{stamp}", title=chart.title, columns=(),
                  compute=compute)


def chart_result(chart: DashboardChart, *, user, fresh: bool = False) -> ChartResult:
    source = designer.sources.get(chart.record_type)
    if source is None:
        return ChartResult(chart, None, error=_("This record type is not available."))
    try:
        period = relative_period(chart.period or "all")
    except ValueError:
        period = relative_period("all")
    ctx = WidgetContext(user=user, period=period)
    try:
        result = engine.compute(chart_widget(chart, source), ctx, fresh=fresh)
    except designer.ChartError as exc:
        return ChartResult(chart, source, error=str(exc))
    except ValueError as exc:  # a stored period no longer understood
        return ChartResult(chart, source, error=str(exc))
    return ChartResult(chart, source, rows=result.rows, computed_at=result.computed_at,
                       from_cache=result.from_cache)


def chart_results(*, dashboard, user, fresh: bool = False) -> list[ChartResult]:
    return [chart_result(chart, user=user, fresh=fresh) for chart in dashboard.charts.all()]
