"""Feature extraction against values computed by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.activities.models import Activity
from crm.scoring.models import CloseDateSlip
from crm.scoring.registry import spec_for
from leads.models import Lead
from opportunities.models import Opportunity
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def _activity(owner, record, kind, when, **extra):
    field = "lead" if isinstance(record, Lead) else "opportunity"
    return Activity.objects.create(kind=kind, subject=kind, owner=owner, state="completed",
                                   created_at=when, **{field: record}, **extra)


def test_open_lead_features_count_activity_of_the_right_kind_window_and_state():
    owner = UserFactory()
    now = timezone.now()
    lead = Lead.objects.create(topic="T", last_name="L", owner=owner, source="partner",
                               rating="hot", country="Germany", employees=120,
                               estimated_value=Decimal("25000"))
    Lead.objects.filter(pk=lead.pk).update(created_at=now - timedelta(days=40))
    for days in (1, 5, 13):
        _activity(owner, lead, "email", now - timedelta(days=days), direction="incoming")
    _activity(owner, lead, "email", now - timedelta(days=20), direction="incoming")  # > 14 d
    _activity(owner, lead, "email", now - timedelta(days=2), direction="outgoing")
    _activity(owner, lead, "phone_call", now - timedelta(days=3))
    _activity(owner, lead, "phone_call", now - timedelta(days=45))                    # > 30 d
    canceled = _activity(owner, lead, "phone_call", now - timedelta(hours=6))
    Activity.objects.filter(pk=canceled.pk).update(state="canceled")
    _activity(owner, lead, "appointment", now - timedelta(days=10),
              starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=9))
    # Another owner's closed leads: 30, 12 of them qualified -> (12 + 1) / (30 + 2).
    Lead.objects.bulk_create(
        [Lead(topic="x", last_name=f"x{i}", owner=owner,
              status="qualified" if i < 12 else "disqualified") for i in range(30)])

    row = next(iter(spec_for("lead").open_rows([lead.pk])))

    assert row["emails_answered"] == 3
    assert row["emails_answered_total"] == 4
    assert row["emails_sent"] == 1
    assert row["calls"] == 1
    assert row["meetings"] == 1
    assert 0.9 < row["days_since_touch"] < 1.1      # the newest email, a day ago
    assert 39.9 < row["age"] < 40.1
    assert row["owner_rate"] == pytest.approx(13 / 32)
    assert (row["source"], row["rating"], row["country"], row["employees"]) == \
        ("partner", "hot", "Germany", 120)
    assert row["estimated_value"] == 25000.0


def test_closed_lead_features_stop_at_its_close():
    owner = UserFactory()
    closed_at = timezone.now() - timedelta(days=100)
    lead = Lead.objects.create(topic="T", last_name="L", owner=owner)
    Lead.objects.filter(pk=lead.pk).update(status="qualified", status_changed_at=closed_at,
                                           created_at=closed_at - timedelta(days=10))
    _activity(owner, lead, "email", closed_at - timedelta(days=3), direction="incoming")
    _activity(owner, lead, "email", closed_at + timedelta(days=3), direction="incoming")

    row = next(r for r in spec_for("lead").closed_rows() if r["id"] == lead.pk)

    assert row["outcome"] == 1
    assert row["emails_answered"] == 1 and row["emails_answered_total"] == 1
    assert 2.9 < row["days_since_touch"] < 3.1
    assert 9.9 < row["age"] < 10.1


def test_owner_history_of_a_closed_lead_counts_only_earlier_closes():
    owner = UserFactory()
    base = timezone.now() - timedelta(days=300)
    leads = Lead.objects.bulk_create([
        Lead(topic="x", last_name=f"x{i}", owner=owner,
             status="qualified" if i % 3 == 0 else "disqualified",
             status_changed_at=base + timedelta(days=i)) for i in range(40)])
    rows = {r["id"]: r for r in spec_for("lead").closed_rows()}

    assert rows[leads[10]["id"] if isinstance(leads[10], dict) else leads[10].pk][
        "owner_rate"] is None                     # 10 earlier closes: too few to judge
    # The 30th: 30 earlier closes, of which i % 3 == 0 for i < 30 -> 10 qualified.
    assert rows[leads[30].pk]["owner_rate"] == pytest.approx(11 / 32)


def test_opportunity_features_meetings_slips_and_time_in_stage():
    owner = UserFactory()
    now = timezone.now()
    opp = Opportunity.objects.create(topic="Deal", owner=owner, account=AccountFactory(owner=owner),
                                     estimated_revenue=Decimal("60000"),
                                     estimated_close_date=date.today())
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=now - timedelta(days=12),
                                                 created_at=now - timedelta(days=50))
    _activity(owner, opp, "appointment", now - timedelta(days=20),
              starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=3))
    _activity(owner, opp, "appointment", now - timedelta(days=20),
              starts_at=now - timedelta(days=16), ends_at=now - timedelta(days=16))  # > 14 d
    _activity(owner, opp, "appointment", now - timedelta(days=1),
              starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2))    # future
    for k in range(2):
        CloseDateSlip.objects.create(opportunity=opp, from_date=date(2026, 1, 1 + k),
                                     to_date=date(2026, 2, 1 + k),
                                     occurred_at=now - timedelta(days=5 + k))

    row = next(iter(spec_for("opportunity").open_rows([opp.pk])))

    assert row["meetings"] == 1
    assert row["close_date_slips"] == 2
    assert 11.9 < row["time_in_stage"] < 12.1
    assert 49.9 < row["age"] < 50.1
    assert row["estimated_revenue"] == 60000.0
    assert row["stage"] == "qualify"


def test_closed_opportunity_counts_slips_and_meetings_before_its_close_only():
    owner = UserFactory()
    close_day = date.today() - timedelta(days=60)
    opp = Opportunity.objects.create(topic="Deal", owner=owner, account=AccountFactory(owner=owner))
    Opportunity.objects.filter(pk=opp.pk).update(status="lost", status_reason="out_sold",
                                                 actual_close_date=close_day)
    end_of_close_day = timezone.make_aware(
        timezone.datetime.combine(close_day + timedelta(days=1), timezone.datetime.min.time()),
        timezone.get_current_timezone())
    CloseDateSlip.objects.create(opportunity=opp, to_date=close_day,
                                 occurred_at=end_of_close_day - timedelta(days=30))
    CloseDateSlip.objects.create(opportunity=opp, to_date=close_day,
                                 occurred_at=end_of_close_day + timedelta(days=5))
    _activity(owner, opp, "appointment", end_of_close_day - timedelta(days=30),
              starts_at=end_of_close_day - timedelta(days=4),
              ends_at=end_of_close_day - timedelta(days=4))

    row = next(r for r in spec_for("opportunity").closed_rows() if r["id"] == opp.pk)

    assert row["outcome"] == 0
    assert row["close_date_slips"] == 1
    assert row["meetings"] == 1
