"""Computing widgets: scoped SQL aggregates, a short cache with visible freshness, CSV."""

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from crm.common import csvexport
from crm.common.db_router import on_replica
from crm.users.models import User

from .context import WidgetContext, build_context
from .dashboards import MANAGER, SELLER
from .registry import MONEY, PERCENT, Widget, dashboard_widgets

logger = logging.getLogger(__name__)


@dataclass
class WidgetResult:
    widget: Widget
    rows: list[dict]
    computed_at: datetime
    from_cache: bool

    @property
    def is_empty(self) -> bool:
        """No rows, or a chart whose every figure is zero (drawn as an empty state)."""
        if not self.rows:
            return True
        chart = self.widget.chart
        if chart is None or self.widget.kpi:
            return False
        return not any(row.get(key) for row in self.rows for key, _label in chart.series)

    def chart_data(self) -> dict | None:
        """The JSON the page's Chart.js code draws (labels, datasets and drill-down URLs)."""
        chart = self.widget.chart
        if chart is None:
            return None
        return {
            "type": chart.type,
            "stacked": chart.stacked,
            "labels": [str(row.get(chart.label_key, "")) for row in self.rows],
            "urls": [row.get("url") for row in self.rows],
            "datasets": [
                {"label": str(label), "data": [_number(row.get(key)) for row in self.rows]}
                for key, label in chart.series
            ],
        }

    def as_dict(self) -> dict:
        return {
            "name": self.widget.name,
            "title": str(self.widget.title),
            "uses_period": self.widget.uses_period,
            "computed_at": self.computed_at.isoformat(),
            "columns": [
                {"key": c.key, "label": str(c.label), "kind": c.kind} for c in self.widget.columns
            ],
            "rows": [_jsonable_row(row) for row in self.rows],
        }


def _number(value):
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return float(value)  # chart drawing only; the table and CSV keep the Decimal
    return value


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _jsonable_row(row: dict) -> dict:
    return {k: _jsonable(v) for k, v in row.items()}


def cache_seconds() -> int:
    return int(getattr(settings, "CRM_INSIGHTS_CACHE_SECONDS", 300))


def warm_seconds() -> int:
    """How long figures computed by the warming task stay served (beat runs more often)."""
    return int(getattr(settings, "CRM_INSIGHTS_WARM_SECONDS", 900))


def compute(widget: Widget, ctx: WidgetContext, *, fresh: bool = False,
            ttl: int | None = None) -> WidgetResult:
    """Run the widget's aggregate (or reuse a result at most CRM_INSIGHTS_CACHE_SECONDS old).

    Each widget is one GROUP BY query, so a dashboard costs a fixed number of queries whatever
    the data size; the cache keeps a reloaded dashboard cheap on a big database and the page
    shows how old each figure is."""
    # Rows hold labels in the active language: one cache entry per language.
    key = f"insights:{widget.name}:{translation.get_language()}:{ctx.cache_key()}"
    seconds = cache_seconds() if ttl is None else ttl
    if not fresh and seconds > 0:
        try:
            hit = cache.get(key)
        except Exception as exc:  # an unreadable entry must not break the dashboard: recompute
            # (Redis outages are absorbed by the fail-open cache; this is anything else.)
            logger.warning("dashboard cache entry unreadable, widget %s computed live: %s",
                           widget.name, exc)
            hit = None
        if hit is not None:
            rows, computed_at = hit
            return _with_links(widget, ctx, WidgetResult(widget, rows, computed_at, True))
    # On the read replica when there is one; the figures are then as old as its replay lag.
    rows, computed_at = on_replica(lambda: list(widget.compute(ctx)))
    if seconds > 0:
        try:
            cache.set(key, (rows, computed_at), seconds)
        except Exception as exc:  # served live this time; say why the cache was skipped
            logger.warning("dashboard cache unavailable, widget %s not cached: %s",
                           widget.name, exc)
    return _with_links(widget, ctx, WidgetResult(widget, rows, computed_at, False))


def _with_links(widget: Widget, ctx: WidgetContext, result: WidgetResult) -> WidgetResult:
    if widget.link is not None:
        result.rows = [{**row, "url": widget.link(ctx, row)} for row in result.rows]
    return result


def to_csv(result: WidgetResult) -> str:
    """The widget's rows as CSV with a header of column labels (money/percent as plain numbers)."""
    out = io.StringIO()
    writer = csvexport.writer(out)
    columns = result.widget.columns
    writer.writerow([str(c.label) for c in columns])
    for row in result.rows:
        values = []
        for c in columns:
            value = row.get(c.key)
            if value is None:
                values.append("")
            elif c.kind in (MONEY, PERCENT) and isinstance(value, Decimal):
                values.append(f"{value:.2f}")
            else:
                values.append(str(value))
        writer.writerow(values)
    return out.getvalue()


def warm_dashboards(*, users=None) -> int:
    """Recompute the default view of every user's dashboards into the cache (Celery beat).

    On a big database a live aggregate over a million leads takes a few hundred
    milliseconds; keeping the default views warm lets the pages render from the cache, and
    each page says how old its figures are. Returns the number of widgets computed."""
    users = users if users is not None else User.objects.filter(is_active=True)
    computed = 0
    for user in users:
        plans = [(SELLER, user)]
        if user.role in ("manager", "admin") or user.is_superuser:
            plans.append((MANAGER, None))
        for dashboard, default_owner in plans:
            ctx, _form = build_context(user, {}, default_period=dashboard.default_period,
                                       default_owner=default_owner)
            for widget in dashboard_widgets(dashboard):
                compute(widget, ctx, fresh=True, ttl=warm_seconds())
                computed += 1
    return computed
