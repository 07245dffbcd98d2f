"""Issue 16 demo data: every seller has a quota for every month and quarter from a year back to
half a year ahead, so "won vs quota" reads a real quota and attainment on the first login."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.insights.context import WidgetContext
from crm.insights.periods import add_months, month_period, quarter_containing, relative_period
from crm.users.models import Role, User
from forecasting import demo
from forecasting.insights import won_vs_quota
from forecasting.models import Quota

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_seller_a_quota_for_every_period(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", verbosity=0)

    today = timezone.localdate()
    this_month = month_period(today).start
    months = [month_period(add_months(this_month, i))
              for i in range(-demo.MONTHS_BACK, demo.MONTHS_AHEAD + 1)]
    quarters = {quarter_containing(m.start).key: quarter_containing(m.start) for m in months}
    sellers = list(User.objects.filter(role=Role.SELLER))
    assert {s.username for s in sellers} >= {"sam", "sofia", "tom"}
    for seller in sellers:
        monthly = {q.period_start: q.amount for q in
                   Quota.objects.filter(user=seller, period_type="month")}
        assert set(monthly) == {m.start for m in months}, seller
        assert all(amount > 0 for amount in monthly.values())
        for quarter in quarters.values():
            quota = Quota.objects.get(user=seller, period_type="quarter",
                                      period_start=quarter.start)
            in_range = [a for start, a in monthly.items() if quarter.contains(start)]
            assert quota.amount == sum(in_range, Decimal("0.00"))
        assert Quota.objects.filter(user=seller).first().set_by == seller.manager

    # the dashboards' "won vs quota": a quota and an attainment, for a seller and the manager
    maria = User.objects.get(username="maria")
    for user, period in ((User.objects.get(username="sam"), "this_month"),
                         (maria, "this_quarter"), (maria, "last_quarter")):
        row = won_vs_quota(WidgetContext(user=user, period=relative_period(period)))[0]
        assert row["quota"] > 0 and row["attainment"] is not None, (user, period)


def test_demo_quotas_without_a_context_use_the_sellers_in_the_database(org):
    demo.seed({})
    assert Quota.objects.filter(user=org.sam, period_type="month").count() == (
        demo.MONTHS_BACK + demo.MONTHS_AHEAD + 1)
    assert not Quota.objects.filter(user=org.maria).exists()
