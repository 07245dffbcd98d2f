"""The forecast grid (PROCESS.md, "Forecast"): per user and rolled up the manager hierarchy.

Columns, for the opportunities owned by a user and closing in the period (open ones by their
estimated close date, closed ones by their actual close date):
- quota: the user's quota for the period;
- won: actual revenue of won opportunities;
- committed: estimated revenue of open opportunities in the committed category;
- best case: committed + best case;
- pipeline: every open opportunity that is not omitted;
- omitted: open opportunities in the omitted category;
- lost: estimated revenue of lost opportunities;
- forecast ("adjusted"): what the row is expected to land. Its system value is won +
  committed (own) plus the forecasts of the direct reports, so an adjustment on a lower row
  carries up the hierarchy; a manager's adjustment on a row replaces that row's value.
All figures come from one GROUP BY owner query, whatever the size of the team.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from crm.common.visibility import is_admin, subordinate_ids
from crm.insights.periods import MONTH, QUARTER, Period, parse_period, quarter_containing
from crm.users.models import User
from opportunities.models import ForecastCategory, Opportunity, Status

from .models import ZERO, ForecastAdjustment, ForecastSnapshot, Quota

FIGURES = ("won", "committed", "best_case", "pipeline", "omitted", "lost")
COLUMNS = ("quota", *FIGURES)
DRILL_COLUMNS = (*FIGURES, "all")


def forecast_period(key: str | None, today=None) -> Period:
    """A month ("2026-11") or fiscal quarter ("2026-Q4"); default: the current quarter."""
    if not key:
        return quarter_containing(today or timezone.localdate())
    period = parse_period(key)
    if period.kind not in (MONTH, QUARTER):
        raise ValueError("A forecast period is a month (2026-11) or a quarter (2026-Q4).")
    return period


def _decimal_sum(expression, condition):
    return Coalesce(Sum(expression, filter=condition), ZERO)


def column_q(column: str, period: Period) -> Q:
    """Which opportunities make up a forecast column in a period."""
    open_in = Q(status=Status.OPEN) & period.q("estimated_close_date")
    cat = ForecastCategory
    return {
        "won": Q(status=Status.WON) & period.q("actual_close_date"),
        "lost": Q(status=Status.LOST) & period.q("actual_close_date"),
        "committed": open_in & Q(forecast_category=cat.COMMITTED),
        "best_case": open_in & Q(forecast_category__in=[cat.COMMITTED, cat.BEST_CASE]),
        "pipeline": open_in & ~Q(forecast_category=cat.OMITTED),
        "omitted": open_in & Q(forecast_category=cat.OMITTED),
        "all": open_in | (Q(status__in=[Status.WON, Status.LOST])
                          & period.q("actual_close_date")),
    }[column]


def owner_figures(owner_ids, period: Period) -> dict[int, dict[str, Decimal]]:
    """{owner id: {column: amount}} for the owners' own opportunities (one aggregate)."""
    won_amount = Coalesce("actual_revenue", "estimated_revenue")
    rows = (
        Opportunity.objects.filter(column_q("all", period), owner_id__in=list(owner_ids))
        .order_by()
        .values("owner_id")
        .annotate(
            won=_decimal_sum(won_amount, column_q("won", period)),
            lost=_decimal_sum("estimated_revenue", column_q("lost", period)),
            committed=_decimal_sum("estimated_revenue", column_q("committed", period)),
            best_case=_decimal_sum("estimated_revenue", column_q("best_case", period)),
            pipeline=_decimal_sum("estimated_revenue", column_q("pipeline", period)),
            omitted=_decimal_sum("estimated_revenue", column_q("omitted", period)),
        )
    )
    return {row.pop("owner_id"): row for row in rows}


@dataclass
class ForecastRow:
    user: User
    level: int
    own: dict = field(default_factory=dict)
    total: dict = field(default_factory=dict)  # own + every report's, transitively
    children: list["ForecastRow"] = field(default_factory=list)
    system_forecast: Decimal = ZERO
    adjustment: ForecastAdjustment | None = None  # the current direct adjustment
    can_adjust: bool = False

    @property
    def forecast(self) -> Decimal:
        if self.adjustment is not None and not self.adjustment.is_reset:
            return self.adjustment.amount
        return self.system_forecast

    @property
    def is_adjusted(self) -> bool:
        return self.adjustment is not None and not self.adjustment.is_reset

    @property
    def attainment(self) -> Decimal | None:
        quota = self.total.get("quota") or ZERO
        if quota <= 0:
            return None
        return (self.total["won"] * 100 / quota).quantize(Decimal("0.1"))

    @property
    def has_reports(self) -> bool:
        return bool(self.children)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def as_dict(self, *, scope: str = "total") -> dict:
        figures = self.total if scope == "total" else self.own
        return {
            "user": self.user.pk,
            "name": str(self.user),
            "manager": self.user.manager_id,
            "level": self.level,
            "scope": scope,
            **{c: str(figures.get(c, ZERO)) for c in COLUMNS},
            "system_forecast": str(self.system_forecast),
            "adjusted": str(self.forecast),
            "is_adjusted": self.is_adjusted,
            "adjustment_note": self.adjustment.note if self.is_adjusted else "",
            "attainment": str(self.attainment) if self.attainment is not None else None,
        }


def viewable_root_ids(viewer) -> frozenset[int] | None:
    """Whose forecast rows `viewer` may open: themselves and everyone below them (None: all)."""
    if is_admin(viewer):
        return None
    return frozenset({viewer.pk}) | subordinate_ids(viewer)


def can_adjust(viewer, user) -> bool:
    """Managers adjust their own row and the rows below them; admins any row."""
    if is_admin(viewer):
        return True
    return viewer.role == "manager" and (user.pk == viewer.pk or user.pk in
                                         subordinate_ids(viewer))


def current_adjustments(user_ids, period: Period) -> dict[int, ForecastAdjustment]:
    latest: dict[int, ForecastAdjustment] = {}
    rows = ForecastAdjustment.objects.filter(
        period_type=period.kind, period_start=period.start, user_id__in=list(user_ids)
    ).order_by("created_at", "id")
    for adjustment in rows:
        latest[adjustment.user_id] = adjustment
    return latest


def quota_amounts(user_ids, period: Period) -> dict[int, Decimal]:
    return dict(
        Quota.objects.filter(period_type=period.kind, period_start=period.start,
                             user_id__in=list(user_ids)).values_list("user_id", "amount")
    )


def _build(user, level, children_of, users, figures, quotas, adjustments, viewer):
    own = {c: figures.get(user.pk, {}).get(c, ZERO) for c in FIGURES}
    own["quota"] = quotas.get(user.pk, ZERO)
    row = ForecastRow(user=user, level=level, own=own, adjustment=adjustments.get(user.pk),
                      can_adjust=can_adjust(viewer, user) if viewer is not None else False)
    row.children = [
        _build(users[cid], level + 1, children_of, users, figures, quotas, adjustments, viewer)
        for cid in children_of.get(user.pk, ())
    ]
    row.total = {c: own[c] + sum((ch.total[c] for ch in row.children), ZERO) for c in COLUMNS}
    row.system_forecast = own["won"] + own["committed"] + sum(
        (ch.forecast for ch in row.children), ZERO
    )
    return row


def forecast_tree(*, viewer, root: User, period: Period) -> ForecastRow:
    """The forecast rows of `root` and everyone below them, rolled up; four queries in all.

    Raises Http404 when `viewer` may not see `root`'s forecast."""
    allowed = viewable_root_ids(viewer)
    if allowed is not None and root.pk not in allowed:
        raise Http404("No forecast for this user.")
    return build_forest(period=period, root_ids=[root.pk], viewer=viewer)[0]


def build_forest(*, period: Period, root_ids=None, viewer=None) -> list[ForecastRow]:
    """Trees for `root_ids` (default: every active user at the top of the hierarchy)."""
    users = {
        u.pk: u for u in User.objects.filter(is_active=True).only(
            "id", "username", "first_name", "last_name", "manager_id", "role", "team_id"
        )
    }
    children_of: dict[int, list[int]] = {}
    for u in sorted(users.values(), key=lambda u: (u.first_name, u.last_name, u.username)):
        if u.manager_id in users and u.manager_id != u.pk:
            children_of.setdefault(u.manager_id, []).append(u.pk)
    if root_ids is None:
        root_ids = [u.pk for u in users.values() if u.manager_id not in users]
    ids = set()
    stack = [r for r in root_ids if r in users]
    while stack:
        current = stack.pop()
        if current not in ids:
            ids.add(current)
            stack.extend(children_of.get(current, ()))
    figures = owner_figures(ids, period)
    quotas = quota_amounts(ids, period)
    adjustments = current_adjustments(ids, period)
    return [_build(users[r], 0, children_of, users, figures, quotas, adjustments, viewer)
            for r in root_ids if r in users]


def drill_down(*, viewer, root: User, period: Period, column: str, scope: str = "total"):
    """The opportunities behind a forecast cell (or the whole row with column "all")."""
    if column not in DRILL_COLUMNS:
        raise Http404("No such forecast column.")
    allowed = viewable_root_ids(viewer)
    if allowed is not None and root.pk not in allowed:
        raise Http404("No forecast for this user.")
    owners = {root.pk} if scope == "own" else {root.pk} | subordinate_ids(root)
    return (
        Opportunity.objects.filter(column_q(column, period), owner_id__in=sorted(owners))
        .select_related("owner", "account")
        .order_by("-estimated_revenue", "id")
    )


def adjustment_history(*, user: User, period: Period, limit: int = 50):
    return ForecastAdjustment.objects.filter(
        user=user, period_type=period.kind, period_start=period.start
    ).select_related("adjusted_by")[:limit]


def snapshot_series(*, user: User, period: Period):
    return ForecastSnapshot.objects.filter(
        user=user, period_type=period.kind, period_start=period.start
    ).order_by("taken_on")
