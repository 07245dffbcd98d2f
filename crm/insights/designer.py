"""The chart designer: what a personal dashboard's charts may count, and how they are computed.

Pipeline apps register a `ChartSource` per record type in their `insights.py` (the engine never
imports them): the list page's selector and filter set, the money fields a chart may sum or
average, the fields it may group by and the dates a period or a month/quarter grouping applies
to, each with the list page's filter parameters. A chart is then the list page's own query
(the same selector, so the same visibility, and the same filter set over the same parameters)
grouped in SQL: the figure of a bar equals the rows of the list its drill-down link opens.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.common.views import limit_user_choices

from .periods import RELATIVE_CHOICES, month_period, quarter_containing, relative_period

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DateSpec:
    """A date of the record a period or a month/quarter grouping applies to, and the list
    page's (inclusive) range parameters for it."""

    name: str
    label: str
    after: str
    before: str


@dataclass(frozen=True)
class ChartSource:
    key: str  # "opportunities"
    label: str
    list_url_name: str
    queryset: Callable  # (user) -> the list page's selector queryset (visibility-scoped)
    filterset: type  # the list page's filter set
    money_fields: tuple[tuple[str, str], ...] = ()  # (field, label)
    choice_fields: tuple[tuple[str, str], ...] = ()  # (field = list parameter, label)
    dates: tuple[DateSpec, ...] = ()
    owner_param: str | None = "owner"
    team_param: str | None = "team"  # filters on owner__team
    # Parameters the list link always carries (the leads list opens on "my open leads")
    fixed_params: tuple[tuple[str, str], ...] = ()
    order: int = 100

    def groupings(self) -> list[tuple[str, str]]:
        """(key, label) of every grouping this record type offers."""
        found = []
        if self.owner_param:
            found.append(("owner", gettext("Owner")))
        if self.team_param:
            found.append(("team", gettext("Team")))
        found += [(name, str(label)) for name, label in self.choice_fields]
        for spec in self.dates:
            found.append((f"month:{spec.name}", gettext("Month of %(date)s")
                          % {"date": str(spec.label).lower()}))
            found.append((f"quarter:{spec.name}", gettext("Quarter of %(date)s")
                          % {"date": str(spec.label).lower()}))
        return found

    def date(self, name: str) -> DateSpec | None:
        return next((d for d in self.dates if d.name == name), None)


sources: dict[str, ChartSource] = {}


def register_chart_source(source: ChartSource) -> ChartSource:
    sources[source.key] = source
    return source


def source_choices() -> list[tuple[str, str]]:
    return [(s.key, str(s.label)) for s in sorted(sources.values(), key=lambda s: s.order)]


PERIOD_CHOICES = [("", _("Any time")), *[(k, v) for k, v in RELATIVE_CHOICES if k != "all"]]


class ChartError(Exception):
    """The chart cannot be computed for this viewer (its filters are not valid for them)."""


# --- the chart's list parameters ---------------------------------------------------------------


def list_params(source: ChartSource, *, filters: dict, period: str, period_field: str,
                today: date | None = None) -> QueryDict:
    """The list page's query parameters a chart's records are: fixed ones, the stored filters
    and the period expanded into the date's range parameters (intersected with any range the
    filters already set)."""
    params = QueryDict(mutable=True)
    for key, value in source.fixed_params:
        params[key] = value
    for key, value in (filters or {}).items():
        if isinstance(value, list):
            params.setlist(key, [str(v) for v in value])
        elif value not in (None, ""):
            params[key] = str(value)
    spec = source.date(period_field) if period else None
    if spec is not None:
        span = relative_period(period, today)
        if span.start is not None:
            params[spec.after] = _later(params.get(spec.after), span.start).isoformat()
        if span.end is not None:
            params[spec.before] = _earlier(params.get(spec.before), span.last_day).isoformat()
    return params


def _parse(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _later(current, candidate: date) -> date:
    parsed = _parse(current)
    return max(parsed, candidate) if parsed else candidate


def _earlier(current, candidate: date) -> date:
    parsed = _parse(current)
    return min(parsed, candidate) if parsed else candidate


def filtered_queryset(source: ChartSource, user, params: QueryDict):
    """The list page's queryset for `params`: its selector and its filter set, with the user
    pickers limited the way the list page limits them. ChartError when a filter is invalid."""
    # One stand-in request per viewer: what the filter sets cache on it (whether scoring is
    # on) is then read once per dashboard, not once per chart.
    request = user.__dict__.setdefault("_chart_request", SimpleNamespace(user=user))
    request.GET = params
    filterset = source.filterset(params, queryset=source.queryset(user), request=request)
    limit_user_choices(filterset.form, user)
    if not filterset.is_valid():
        problems = "; ".join(
            f"{filterset.form.fields[name].label if name in filterset.form.fields else name}: "
            f"{' '.join(str(e) for e in errors)}"
            for name, errors in filterset.form.errors.items()
        )
        raise ChartError(problems)
    return filterset.qs


# --- grouping -------------------------------------------------------------------------------


@dataclass
class Grouping:
    key: str
    values: tuple[str, ...]  # values() keys
    annotate: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0] if ":" in self.key else self.key


def _grouping(source: ChartSource, key: str) -> Grouping | None:
    if not key:
        return None
    if key == "owner" and source.owner_param:
        return Grouping(key, ("owner_id", "owner__first_name", "owner__last_name",
                              "owner__username"))
    if key == "team" and source.team_param:
        return Grouping(key, ("owner__team_id", "owner__team__name"))
    if key in dict(source.choice_fields):
        return Grouping(key, (key,))
    if ":" in key:
        kind, name = key.split(":", 1)
        if kind in ("month", "quarter") and source.date(name):
            alias = f"g_{kind}_{name}"
            return Grouping(key, (alias,), {alias: TruncMonth(name)})
    return None


def _as_date(value) -> date | None:
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _bucket(source: ChartSource, grouping: Grouping, row: dict, labels: dict):
    """(key, label, order, list parameters) of the group `row` belongs to; parameters None when
    the list page cannot filter to this group (an empty choice, no team, no date)."""
    kind = grouping.kind
    if kind == "owner":
        name = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
        return (row["owner_id"], name or row["owner__username"], None,
                {source.owner_param: row["owner_id"]})
    if kind == "team":
        team = row["owner__team_id"]
        if team is None:
            return None, gettext("No team"), None, None
        return team, row["owner__team__name"], None, {source.team_param: team}
    if kind in ("month", "quarter"):
        spec = source.date(grouping.key.split(":", 1)[1])
        month = _as_date(row[grouping.values[0]])
        if month is None:
            return None, gettext("No date"), date.max, None
        span = month_period(month) if kind == "month" else quarter_containing(month)
        return span.key, span.label, span.start, {spec.after: span.start,
                                                   spec.before: span.last_day}
    value = row[grouping.key]
    label = labels.get(grouping.key, {}).get(value, value) if value else gettext("(none)")
    order = list(labels.get(grouping.key, {})).index(value) \
        if value in labels.get(grouping.key, {}) else 999
    return value, str(label), order, ({grouping.key: value} if value else None)


def _choice_labels(source: ChartSource, queryset) -> dict:
    labels = {}
    for name, _label in source.choice_fields:
        model_field = queryset.model._meta.get_field(name)
        labels[name] = {value: str(text) for value, text in (model_field.flatchoices or ())}
    return labels


# --- computing --------------------------------------------------------------------------------


def _measure_value(measure: str, bucket: dict):
    if measure == "sum":
        return bucket["total"] if bucket["total"] is not None else ZERO
    if measure == "avg":
        if not bucket["counted"]:
            return None
        return (bucket["total"] / bucket["counted"]).quantize(CENT, rounding=ROUND_HALF_UP)
    return bucket["n"]


def _drill_params(source: ChartSource, base: QueryDict, extra: dict) -> QueryDict:
    """The list parameters of one group: the chart's, narrowed by the group's (a date range is
    intersected with the range the chart already has)."""
    params = base.copy()
    starts = {spec.after for spec in source.dates}
    for key, value in extra.items():
        if isinstance(value, date):
            current = params.get(key)
            value = (_later(current, value) if key in starts
                     else _earlier(current, value)).isoformat()
        params[key] = str(value)
    return params


def _url(source: ChartSource, params: QueryDict | None) -> str | None:
    from django.urls import NoReverseMatch, reverse

    if params is None:
        return None
    try:
        url = reverse(source.list_url_name)
    except NoReverseMatch:
        return None
    clean = QueryDict(mutable=True)
    for key, values in params.lists():
        values = [v for v in values if v not in (None, "")]
        if values:
            clean.setlist(key, values)
    query = clean.urlencode()
    return f"{url}?{query}" if query else url


def compute_rows(source: ChartSource, user, *, measure: str, measure_field: str, group_by: str,
                 stack_by: str, chart_type: str, filters: dict, period: str, period_field: str,
                 today: date | None = None) -> list[dict]:
    """One GROUP BY over the list page's query: rows of {key, label, key2, label2, value, url}.

    Months are grouped in SQL and folded into (fiscal) quarters here, so sums and averages are
    kept as a total and a count per group until the end."""
    params = list_params(source, filters=filters, period=period, period_field=period_field,
                         today=today)
    queryset = filtered_queryset(source, user, params).order_by()
    groups = [] if chart_type == "number" else [
        g for g in (_grouping(source, group_by),
                    _grouping(source, stack_by) if chart_type == "stacked" else None) if g]
    # aliases that no record field is named (invoices have a "total" field)
    aggregates = {"agg_n": Count("id")}
    if measure in ("sum", "avg") and measure_field in dict(source.money_fields):
        aggregates["agg_total"] = Sum(measure_field)
        aggregates["agg_counted"] = Count(measure_field)
    else:
        measure = "count"
    if not groups:
        found = queryset.aggregate(**aggregates)
        bucket = {"n": found["agg_n"], "total": found.get("agg_total"),
                  "counted": found.get("agg_counted") or 0}
        return [{"key": None, "label": "", "key2": None, "label2": "",
                 "value": _measure_value(measure, bucket), "url": _url(source, params)}]
    annotations = {}
    values = []
    for grouping in groups:
        annotations.update(grouping.annotate)
        values += list(grouping.values)
    if annotations:
        queryset = queryset.annotate(**annotations)
    labels = _choice_labels(source, queryset)
    merged: dict[tuple, dict] = {}
    for row in queryset.values(*values).annotate(**aggregates):
        first = _bucket(source, groups[0], row, labels)
        second = _bucket(source, groups[1], row, labels) if len(groups) > 1 else None
        key = (first[0], second[0] if second else None)
        bucket = merged.get(key)
        if bucket is None:
            extra = None if first[3] is None or (second and second[3] is None) else {
                **first[3], **(second[3] if second else {})}
            bucket = merged[key] = {
                "key": first[0], "label": str(first[1]), "order": first[2],
                "key2": second[0] if second else None,
                "label2": str(second[1]) if second else "",
                "order2": second[2] if second else None,
                "n": 0, "total": None, "counted": 0,
                "url": _url(source, _drill_params(source, params, extra)) if extra else None,
            }
        bucket["n"] += row["agg_n"]
        bucket["counted"] += row.get("agg_counted") or 0
        if row.get("agg_total") is not None:
            bucket["total"] = (bucket["total"] or ZERO) + row["agg_total"]
    rows = [{**b, "value": _measure_value(measure, b)} for b in merged.values()]
    return _ordered(rows, groups)


def _ordered(rows: list[dict], groups: list[Grouping]) -> list[dict]:
    """Dates and choices in their own order; owners and teams by their figure, largest first."""
    totals: dict = {}
    for row in rows:
        totals[row["key"]] = totals.get(row["key"], 0) + (row["value"] or 0)

    def first_key(row):
        if groups[0].kind in ("owner", "team"):
            return (0, -totals[row["key"]], row["label"])
        return (0, row["order"], row["label"])

    def second_key(row):
        if len(groups) < 2:
            return (0, "")
        if groups[1].kind in ("owner", "team"):
            return (0, row["label2"])
        return (row["order2"], row["label2"])

    rows.sort(key=lambda r: (*first_key(r), *second_key(r)))
    for row in rows:
        for key in ("n", "total", "counted", "order", "order2"):
            row.pop(key, None)
    return rows


def chart_data(rows: list[dict], *, chart_type: str, series_label: str) -> dict:
    """The JSON dashboard.js draws: labels, datasets and each point's drill-down URL."""
    def number(value):
        return float(value) if isinstance(value, Decimal) else (value or 0)

    if chart_type != "stacked":
        js_type = {"donut": "doughnut", "line": "line"}.get(chart_type, "bar")
        return {"type": js_type, "stacked": False,
                "labels": [r["label"] for r in rows],
                "urls": [r["url"] for r in rows],
                "datasets": [{"label": series_label,
                              "data": [number(r["value"]) for r in rows]}]}
    labels, seconds = [], []
    for row in rows:
        if row["label"] not in labels:
            labels.append(row["label"])
        if row["label2"] not in seconds:
            seconds.append(row["label2"])
    cells = {(r["label"], r["label2"]): r for r in rows}
    datasets = []
    for second in seconds:
        datasets.append({
            "label": second,
            "data": [number(cells[(lbl, second)]["value"]) if (lbl, second) in cells else 0
                     for lbl in labels],
            "urls": [cells[(lbl, second)]["url"] if (lbl, second) in cells else None
                     for lbl in labels],
        })
    return {"type": "bar", "stacked": True, "labels": labels, "urls": [None] * len(labels),
            "datasets": datasets}
