"""Issue 16, demo data that shows the product: after `manage.py seed_demo` the demo has a year
of history (leads created and decided month by month, deals moving through the stages and won
or lost across the months, activities, paid and overdue invoices, forecast snapshots), so every
dashboard widget, the seller's home, the forecast's "How it moved" and the assistant show a
real shape on the first login. Asserted on the data the pages draw, not on screenshots."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from crm.activities.models import Activity, ActivityState, Event
from crm.assistant.models import Card
from crm.insights.periods import quarter_containing
from crm.users.models import User
from forecasting.models import ForecastSnapshot
from invoices.models import Invoice, Payment
from leads.models import Lead
from opportunities.models import Opportunity, StageChange

pytestmark = pytest.mark.django_db


def _months(dates) -> set:
    return {(d.year, d.month) for d in dates}


def test_the_demo_shows_a_year_of_history_on_the_first_login(settings):
    # One seed (it takes a while) for every check below.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CRM_INSIGHTS_CACHE_SECONDS = 0
    call_command("seed_demo", verbosity=0)
    demo = {u.username: u for u in User.objects.all()}
    check_history()
    check_dashboards(demo)
    check_forecast(demo)
    counts = (Lead.objects.count(), Opportunity.objects.count(), Event.objects.count())
    call_command("seed_demo", verbosity=0)  # a second run does nothing
    assert (Lead.objects.count(), Opportunity.objects.count(), Event.objects.count()) == counts


def _page(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def check_history():
    now = timezone.now()
    year_ago = now - timedelta(days=366)

    # leads arrived every month of the last year and were contacted, qualified or dropped
    leads = Lead.objects.all()
    assert len(_months(leads.filter(created_at__gte=year_ago)
                       .values_list("created_at", flat=True))) >= 12
    assert leads.filter(created_at__lt=now - timedelta(days=180)).count() >= 60
    assert Counter(leads.values_list("status", flat=True)).keys() >= {
        "new", "contacted", "qualified", "disqualified"}
    qualified = leads.filter(status="qualified", qualifying_opportunity_id__isnull=False)
    assert qualified.count() >= 30
    assert Opportunity.objects.filter(originating_lead__in=qualified).count() == qualified.count()

    # deals won and lost across the months, each with its stage history in the past
    won = Opportunity.objects.filter(status="won")
    assert len(_months(won.values_list("actual_close_date", flat=True))) >= 10
    assert Opportunity.objects.filter(status="lost").count() >= 20
    assert set(Opportunity.objects.filter(status="open").values_list("stage", flat=True)) == {
        "qualify", "develop", "propose", "close"}
    old_moves = StageChange.objects.filter(changed_at__lt=now - timedelta(days=90),
                                           time_in_previous_stage__isnull=False)
    assert set(old_moves.values_list("from_stage", flat=True)) >= {"qualify", "develop",
                                                                   "propose"}
    deal = won.filter(created_at__lt=now - timedelta(days=120)).first()
    actions = list(Event.objects.filter(record_type="opportunity", record_id=deal.pk)
                   .order_by("occurred_at").values_list("action", flat=True))
    assert actions[0] == "created" and actions[-1] == "won" and "stage_advanced" in actions

    # activities spread over the year, some open tasks overdue; the timeline is aggregated
    assert len(_months(Activity.objects.values_list("created_at", flat=True))) >= 11
    assert Activity.objects.filter(state=ActivityState.OPEN, kind="task",
                                   due_at__lt=now).count() >= 3
    assert not Event.objects.filter(timeline_synced=False).exists()
    assert not Activity.objects.filter(timeline_synced=False).exists()

    # invoices paid over the months and a few overdue ones
    assert len(_months(Payment.objects.values_list("date", flat=True))) >= 6
    assert Invoice.objects.overdue(timezone.localdate()).count() >= 3

    # the assistant's cards are there on the first login
    kinds = set(Card.objects.values_list("kind", flat=True))
    assert {"task_overdue", "invoice_overdue"} <= kinds


def _widgets(response) -> dict:
    return {r.widget.name: r for r in response.context["results"]}


def check_dashboards(demo):
    manager = _widgets(_page(demo["maria"], "/dashboards/manager/"))
    assert len(manager) == 10
    for name, result in manager.items():
        assert not result.is_empty, name
    year = _widgets(_page(demo["maria"], "/dashboards/manager/?period=last_12_months"))
    for name, result in year.items():
        assert not result.is_empty, name
    manager = year  # the year's shapes, whatever month it is today
    actual = manager["opportunities.revenue_by_month"].chart_data()["datasets"][1]["data"]
    assert len(actual) == 12 and sum(1 for v in actual if v > 0) >= 9, actual
    stages = manager["opportunities.time_in_stage"].rows
    assert all(row["days"] and row["days"] > 1 for row in stages[:3]), stages
    rate = manager["opportunities.win_rate"].rows[0]
    assert rate["won"] >= 30 and rate["lost"] >= 20 and rate["sales_cycle"] > 7
    by_source = manager["leads.by_source"].rows
    assert len(by_source) >= 8 and sum(r["qualified"] for r in by_source) >= 30
    owners = manager["opportunities.won_lost_by_owner"].rows
    assert {r["label"] for r in owners} >= {"Sam Seller", "Sofia Ortiz", "Tom Berg"}
    quota = manager["forecasting.won_vs_quota"].rows[0]
    assert quota["quota"] > 0 and quota["attainment"] is not None and quota["won"] > 0
    aging = manager["invoices.aging"].chart_data()["datasets"][0]["data"]
    assert sum(1 for v in aging if v > 0) >= 3

    for seller in ("sam", "sofia", "tom"):
        home = _widgets(_page(demo[seller], "/"))
        assert set(home) == {"forecasting.won_vs_quota", "leads.open_by_status",
                             "opportunities.pipeline", "activities.due"}
        for name, result in home.items():
            assert not result.is_empty, (seller, name)
        assert home["forecasting.won_vs_quota"].rows[0]["attainment"] is not None


def check_forecast(demo):
    today = timezone.localdate()
    quarter = quarter_containing(today)
    response = _page(demo["maria"], "/forecasts/")
    chart = response.context["chart"]
    assert chart is not None
    assert chart["labels"][0] == quarter.start.isoformat()
    assert chart["labels"][-1] == today.isoformat()
    assert len(chart["labels"]) == (today - quarter.start).days + 1
    latest = ForecastSnapshot.objects.get(user=demo["maria"], period_type="quarter",
                                          period_start=quarter.start, taken_on=today)
    assert latest.won == response.context["tree"].total["won"]  # today's: the service's
    # The shape of a whole quarter: the last complete one.
    quarter = quarter.shift(-1)
    chart = _page(demo["maria"], f"/forecasts/?period={quarter.key}").context["chart"]
    assert len(chart["labels"]) == (quarter.end - quarter.start).days
    series = {d["label"]: d["data"] for d in chart["datasets"]}
    won = series["Won"]
    assert won == sorted(won) and won[-1] > won[0]  # won only grows within a period
    assert len(set(series["Pipeline"])) > 5  # it moved
    assert set(series["Quota"]) != {0}
    # the last snapshot of a finished quarter is what the grid shows for it
    grid = _page(demo["maria"], f"/forecasts/?period={quarter.key}").context["tree"]
    assert won[-1] == float(grid.total["won"])
    # and the quarters before that have their lines too (the grid pages back)
    old = quarter.shift(-1)
    assert ForecastSnapshot.objects.filter(
        user=demo["maria"], period_type="quarter", period_start=old.start).count() >= 89
