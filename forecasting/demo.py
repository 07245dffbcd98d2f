"""Demo quotas and forecast history for `manage.py seed_demo`.

Every seller gets a monthly and a quarterly quota for every period from a year back to half a
year ahead, set through `quota_set` by the seller's manager (or the admin), as a person would,
so each "vs quota" widget, the forecast grid and attainment show real figures on the first
login. Then the nightly forecast snapshots of the past year are rebuilt from the opportunities'
history (what was open, won and lost on each day), so "How it moved" has a line from the start
of every period; today's snapshot is taken by the service itself.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.insights.periods import add_months, month_period, quarter_containing
from crm.users.models import Role, User
from opportunities.models import Opportunity

from . import services
from .models import ForecastSnapshot, Quota

MONTHS_BACK, MONTHS_AHEAD = 12, 6
# Monthly quota of each demo seller (others: the default); quarterly = the sum of its months.
MONTHLY = {"sam": Decimal("60000.00"), "sofia": Decimal("50000.00"),
           "tom": Decimal("45000.00")}
DEFAULT_MONTHLY = Decimal("40000.00")
GROWTH = Decimal("0.01")  # a little more each month, as targets do


def _monthly(seller, months_from_now: int) -> Decimal:
    base = MONTHLY.get(seller.username, DEFAULT_MONTHLY)
    return (base * (1 + GROWTH * months_from_now)).quantize(Decimal("100"))


def seed(ctx) -> None:
    sellers = ctx.get("sellers") or list(User.objects.filter(role=Role.SELLER, is_active=True))
    admin = (ctx.get("users") or {}).get("admin") or User.objects.filter(
        is_superuser=True).first()
    this_month = month_period(timezone.localdate()).start
    for seller in sellers:
        actor = seller.manager or admin
        quarters: dict = {}
        for offset in range(-MONTHS_BACK, MONTHS_AHEAD + 1):
            month = month_period(add_months(this_month, offset))
            amount = _monthly(seller, offset)
            services.quota_set(actor=actor, user=seller, period=month, amount=amount)
            quarter = quarter_containing(month.start)
            quarters.setdefault(quarter.key, [quarter, Decimal("0.00")])[1] += amount
        for quarter, amount in quarters.values():
            services.quota_set(actor=actor, user=seller, period=quarter, amount=amount)
    seed_snapshots(today=timezone.localdate())


# --- forecast snapshots of the past year ------------------------------------------------------

ZERO = Decimal("0.00")
FIGURES = ("won", "committed", "best_case", "pipeline", "omitted", "lost")


def _category_then(opportunity) -> str:
    """The forecast category a closed deal most likely had while it was open."""
    if opportunity.status == "won":
        return "committed"
    if opportunity.status == "lost":
        return "pipeline"
    return opportunity.forecast_category


def _own_figures(deals, period, day) -> dict:
    """One owner's forecast figures in `period` as they stood at the end of `day`."""
    figures = dict.fromkeys(FIGURES, ZERO)
    for deal in deals:
        opened = deal.created_at.date()
        if deal.actual_close_date is not None:
            opened = min(opened, deal.actual_close_date)
        if opened > day:
            continue
        closed = deal.actual_close_date is not None and deal.actual_close_date <= day
        if closed and period.contains(deal.actual_close_date):
            if deal.status == "won":
                figures["won"] += deal.actual_revenue or deal.estimated_revenue
            else:
                figures["lost"] += deal.estimated_revenue
            continue
        if closed:
            continue
        expected = deal.estimated_close_date if deal.status == "open" else \
            deal.actual_close_date
        if expected is None or not period.contains(expected):
            continue
        category = _category_then(deal)
        amount = deal.estimated_revenue
        if category == "omitted":
            figures["omitted"] += amount
            continue
        figures["pipeline"] += amount
        if category in ("committed", "best_case"):
            figures["best_case"] += amount
        if category == "committed":
            figures["committed"] += amount
    return figures


def seed_snapshots(*, today, days: int = 365) -> int:
    """The daily snapshots of every user's rolled-up forecast row (current month and quarter
    of each day) from `days` ago to yesterday, rebuilt from the deals' history; then today's,
    taken by the service. Returns the number of rows written."""
    users = {u.pk: u for u in User.objects.filter(is_active=True)}
    reports: dict[int, list[int]] = defaultdict(list)
    for user in users.values():
        if user.manager_id in users and user.manager_id != user.pk:
            reports[user.manager_id].append(user.pk)
    deals: dict[int, list] = defaultdict(list)
    for deal in Opportunity.objects.only(
            "owner_id", "status", "forecast_category", "estimated_revenue", "actual_revenue",
            "estimated_close_date", "actual_close_date", "created_at"):
        deals[deal.owner_id].append(deal)
    quotas = {(q.user_id, q.period_type, q.period_start): q.amount
              for q in Quota.objects.all()}

    def rolled_up(user_id, own, key):
        total = dict(own[user_id])
        total["quota"] = quotas.get((user_id, *key), ZERO)
        for child in reports.get(user_id, ()):
            child_total = rolled_up(child, own, key)
            for name, value in child_total.items():
                total[name] += value
        return total

    rows = []
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        for period in (month_period(day), quarter_containing(day)):
            key = (period.kind, period.start)
            own = {pk: _own_figures(deals.get(pk, ()), period, day) for pk in users}
            for pk in users:
                total = rolled_up(pk, own, key)
                rows.append(ForecastSnapshot(
                    user_id=pk, period_type=period.kind, period_start=period.start,
                    taken_on=day, adjusted=total["won"] + total["committed"], **total))
    ForecastSnapshot.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows) + services.forecast_snapshot_take(today=today)
