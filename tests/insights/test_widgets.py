"""Every widget's figures against hand-computed expectations on the fixed data set
(tests/insights/factories.py: Q2 2026, today 30 June 2026)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.insights.context import WidgetContext
from crm.insights.periods import relative_period
from crm.insights.registry import widgets
from forecasting.models import Quota

from .factories import TODAY, ActivityFactory

D = Decimal


def figures(name, user, period="2026-Q2", **kwargs):
    ctx = WidgetContext(user=user, period=relative_period(period), today=TODAY, **kwargs)
    return widgets[name].compute(ctx)


def pick(rows, *keys):
    return [tuple(row[k] for k in keys) for row in rows]


@pytest.mark.django_db
class TestOpportunityWidgets:
    def test_pipeline_counts_amounts_and_weighted_amounts_per_stage_for_the_managers_tree(
        self, dataset
    ):
        rows = figures("opportunities.pipeline", dataset.org.maria)
        assert pick(rows, "label", "count", "amount", "weighted") == [
            ("1. Qualify", 1, D("4000.00"), D("400.00")),
            ("2. Develop", 3, D("2400.00"), D("720.00")),  # 1000x30% + 600x30% + 800x30%
            ("3. Propose", 1, D("2000.00"), D("1200.00")),
            ("4. Close", 1, D("5000.00"), D("4000.00")),
        ]

    def test_pipeline_of_the_admin_includes_every_team(self, dataset):
        rows = figures("opportunities.pipeline", dataset.org.admin)
        develop = rows[1]
        assert (develop["count"], develop["amount"], develop["weighted"]) == (
            4, D("12399.00"), D("3719.70"))

    def test_win_rate_and_average_sales_cycle_of_deals_closed_in_the_period(self, dataset):
        [row] = figures("opportunities.win_rate", dataset.org.maria)
        assert row == {"won": 2, "lost": 2, "win_rate": D("50.0"),
                       "won_amount": D("3800.00"), "sales_cycle": D("20.0")}

    def test_win_rate_is_empty_not_zero_when_nothing_closed(self, dataset):
        [row] = figures("opportunities.win_rate", dataset.org.maria, period="2025-Q1")
        assert row["win_rate"] is None and row["won"] == 0 and row["sales_cycle"] is None

    def test_won_vs_lost_by_owner(self, dataset):
        rows = figures("opportunities.won_lost_by_owner", dataset.org.maria)
        org = dataset.org
        assert pick(rows, "owner", "won", "lost", "won_amount") == [
            (org.sam.pk, 1, 1, D("2800.00")),
            (org.sofia.pk, 1, 0, D("1000.00")),
            (org.tom.pk, 0, 1, D("0.00")),
        ]

    def test_estimated_vs_actual_revenue_by_month(self, dataset):
        rows = figures("opportunities.revenue_by_month", dataset.org.maria)
        assert pick(rows, "label", "estimated", "actual") == [
            ("Apr 2026", D("5000.00"), D("2800.00")),
            ("May 2026", D("3600.00"), D("0.00")),
            ("Jun 2026", D("4000.00"), D("1000.00")),
        ]

    def test_top_open_opportunities_by_estimated_revenue(self, dataset):
        rows = figures("opportunities.top_open", dataset.org.maria)
        o = dataset.opportunities
        assert [r["id"] for r in rows] == [o[k].pk for k in ("o7", "o5", "o2", "o1", "o11",
                                                              "o9")]

    def test_time_in_stage_averages_the_moves_of_the_period(self, dataset):
        rows = figures("opportunities.time_in_stage", dataset.org.maria)
        assert pick(rows, "stage", "moves", "days") == [
            ("qualify", 2, D("3.0")), ("develop", 2, D("8.0")), ("propose", 0, None),
            ("close", 0, None),
        ]


@pytest.mark.django_db
class TestLeadWidgets:
    def test_leads_by_source_with_conversion_rate(self, dataset):
        rows = figures("leads.by_source", dataset.org.maria)
        assert pick(rows, "source", "leads", "qualified", "conversion_rate") == [
            ("web", 4, 1, 25.0), ("trade_show", 1, 1, 100.0),
        ]

    def test_open_leads_by_status_ignore_the_period(self, dataset):
        rows = figures("leads.open_by_status", dataset.org.sam, owner=dataset.org.sam)
        assert pick(rows, "status", "count") == [("new", 2), ("contacted", 1)]


@pytest.mark.django_db
def test_invoice_aging_buckets_by_days_past_due(dataset):
    rows = figures("invoices.aging", dataset.org.maria)
    assert pick(rows, "bucket", "count", "amount") == [
        ("current", 1, D("100.00")),
        ("1_30", 1, D("150.00")),  # 200 less 50 paid
        ("31_60", 1, D("300.00")),
        ("61_90", 1, D("1000.00")),
        ("over_90", 1, D("400.00")),
    ]


@pytest.mark.django_db
def test_quotes_by_status_count_each_quote_once(dataset):
    rows = figures("quotes.by_status", dataset.org.maria)
    assert pick(rows, "status", "count", "amount") == [
        ("draft", 1, D("150.00")), ("active", 1, D("250.00")), ("won", 1, D("1000.00")),
        ("closed", 0, D("0.00")),
    ]


@pytest.mark.django_db
def test_won_vs_quota_for_a_seller(dataset):
    sam = dataset.org.sam
    Quota.objects.create(user=sam, period_type="quarter", period_start="2026-04-01",
                         amount=D("5000.00"))
    [row] = figures("forecasting.won_vs_quota", sam, owner=sam)
    assert row == {"won": D("2800.00"), "won_count": 1, "quota": D("5000.00"),
                   "attainment": D("56.0"), "committed": D("2000.00"), "gap": D("2200.00")}


@pytest.mark.django_db
def test_won_vs_quota_of_a_year_sums_the_quarter_quotas(dataset):
    sam = dataset.org.sam
    for start in ("2026-01-01", "2026-04-01", "2027-01-01"):
        Quota.objects.create(user=sam, period_type="quarter", period_start=start,
                             amount=D("1000.00"))
    [row] = figures("forecasting.won_vs_quota", sam, period="FY2026", owner=sam)
    assert row["quota"] == D("2000.00")


@pytest.mark.django_db
def test_activities_due_by_when(org):
    now = timezone.now()
    sam = org.sam
    ActivityFactory(owner=sam, due_at=now - timedelta(days=1))
    ActivityFactory(owner=sam, due_at=now - timedelta(hours=2))
    ActivityFactory(owner=sam, due_at=now + timedelta(days=3))
    ActivityFactory(owner=sam, due_at=now + timedelta(days=30))
    ActivityFactory(owner=sam, due_at=None)
    ActivityFactory(owner=sam, due_at=now - timedelta(days=1), state="completed")
    ActivityFactory(owner=org.olga, due_at=now - timedelta(days=1))
    rows = figures("activities.due", sam, owner=sam)
    assert pick(rows, "bucket", "count") == [
        ("overdue", 2), ("today", 0), ("week", 1), ("later", 1), ("undated", 1),
    ]
