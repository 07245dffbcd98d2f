"""Demo quotas for `manage.py seed_demo`: every seller gets a monthly and a quarterly quota for
every period from a year back to half a year ahead, so each "vs quota" widget, the forecast
grid and attainment show real figures on the first login. Set through `quota_set` by the
seller's manager (or the admin), as a person would."""

from decimal import Decimal

from django.utils import timezone

from crm.insights.periods import add_months, month_period, quarter_containing
from crm.users.models import Role, User

from . import services

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
