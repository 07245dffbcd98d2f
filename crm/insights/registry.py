"""The widget and dashboard registries.

Pipeline apps contribute widgets in their own `insights.py` (imported at start-up by
`crm.common.registries.autodiscover()`), so this engine never imports them. A widget is one
SQL aggregate: `compute(ctx)` returns a list of plain dict rows, already scoped by `ctx`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

TEXT, INT, MONEY, PERCENT, DAYS = "text", "int", "money", "percent", "days"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT  # text | int | money | percent | days


@dataclass(frozen=True)
class Chart:
    """How rows become a Chart.js chart: labels from `label_key`, one dataset per series."""

    type: str = "bar"  # bar | hbar | doughnut | line | funnel (horizontal bar, widest first)
    label_key: str = "label"
    series: tuple[tuple[str, str], ...] = ()  # (row key, dataset label)
    stacked: bool = False


@dataclass(frozen=True)
class Widget:
    name: str  # unique, e.g. "opportunities.pipeline_funnel"; the API and CSV use it
    title: str
    columns: tuple[Column, ...]
    compute: Callable  # (WidgetContext) -> list[dict]
    chart: Chart | None = None  # None: shown as a table (or KPI tiles)
    kpi: bool = False  # one row rendered as figures
    description: str = ""
    # Whether the period filter applies (open leads or overdue invoices are "as of today").
    uses_period: bool = True
    # (ctx, row) -> URL of the filtered list behind a bar/slice/row, or None
    link: Callable | None = None
    order: int = 100


@dataclass(frozen=True)
class Dashboard:
    name: str
    title: str
    description: str
    widgets: tuple[str, ...]
    # "mine": the owner filter defaults to the viewer (the seller home page)
    default_scope: str = "team"
    default_period: str = "this_quarter"
    extra_panels: tuple[str, ...] = field(default=())  # templates included if they exist


widgets: dict[str, Widget] = {}
dashboards: dict[str, Dashboard] = {}


def register_widget(widget: Widget) -> Widget:
    widgets[widget.name] = widget
    return widget


def register_dashboard(dashboard: Dashboard) -> Dashboard:
    dashboards[dashboard.name] = dashboard
    return dashboard


def dashboard_widgets(dashboard: Dashboard) -> list[Widget]:
    """The dashboard's widgets that some installed app registered, in the dashboard's order."""
    return [widgets[name] for name in dashboard.widgets if name in widgets]


def list_url(url_name: str, **params) -> str | None:
    """The URL of a list page with query parameters, or None while that page does not exist."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(clean, doseq=True)}" if clean else url
