"""New lead not contacted after 48 hours; open lead with no activity for 7 days."""

from datetime import timedelta

import pytest

from crm.assistant.models import AssistantSettings, Card, Priority
from leads.models import Lead, LeadStatus
from tests.factories import UserFactory

from .conftest import NOW
from .factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def _lead_kinds():
    return sorted(Card.objects.filter(record_type="lead").values_list("kind", flat=True))


def test_a_new_lead_is_flagged_48_hours_after_creation_not_a_minute_before(clock, scan, sam):
    lead = LeadFactory(owner=sam, created_at=NOW)

    clock.move_to(NOW + timedelta(hours=48) - timedelta(minutes=1))
    assert scan() == []
    clock.move_to(NOW + timedelta(hours=48) + timedelta(minutes=1))
    assert scan() == [("sam", "lead_not_contacted", lead.pk, "2026-12-02")]
    card = Card.objects.get()
    assert card.priority == Priority.HIGH
    assert card.body == (f"Created Nov 30, 2026 10:00, 48 hours ago, and nobody has contacted "
                         f"{lead.display_name} yet.")


def test_a_contacted_lead_has_no_not_contacted_card(clock, scan, sam):
    LeadFactory(owner=sam, created_at=NOW - timedelta(hours=50), status=LeadStatus.CONTACTED)

    assert "lead_not_contacted" not in _lead_kinds()
    scan()
    assert "lead_not_contacted" not in _lead_kinds()


def test_marking_the_lead_contacted_retires_the_card(clock, scan, sam):
    lead = LeadFactory(owner=sam, created_at=NOW - timedelta(hours=50))
    scan()
    assert _lead_kinds() == ["lead_not_contacted"]

    Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.CONTACTED, updated_at=NOW)
    clock.move_to(NOW + timedelta(minutes=15))
    scan()
    assert _lead_kinds() == []


def test_an_open_lead_without_activity_for_7_days_gets_a_card_with_the_figures(clock, scan, sam):
    lead = LeadFactory(owner=sam, status=LeadStatus.CONTACTED, created_at=NOW - timedelta(days=30),
                       last_activity_at=NOW - timedelta(days=7), estimated_close_date="2026-12-18")

    clock.move_to(NOW - timedelta(minutes=1))
    assert scan() == []
    clock.move_to(NOW + timedelta(minutes=1))
    assert scan() == [("sam", "lead_no_activity", lead.pk, "2026-11-30")]
    assert Card.objects.get().body == (
        f"No activity for 7 days on {lead.display_name} (last activity on Nov 23, 2026), "
        f"closing Dec 18, 2026.")


def test_a_new_activity_on_the_lead_clears_the_no_activity_card(clock, scan, sam):
    lead = LeadFactory(owner=sam, status=LeadStatus.CONTACTED, created_at=NOW - timedelta(days=30),
                       last_activity_at=NOW - timedelta(days=9))
    scan()
    assert _lead_kinds() == ["lead_no_activity"]

    # The timeline rollup writes last_activity_at with an UPDATE (no save, no updated_at).
    Lead.objects.filter(pk=lead.pk).update(last_activity_at=NOW + timedelta(minutes=2))
    clock.move_to(NOW + timedelta(minutes=15))
    scan()
    assert _lead_kinds() == []


def test_qualified_and_disqualified_leads_get_no_cards(clock, scan, sam):
    for status in (LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED):
        LeadFactory(owner=sam, status=status, created_at=NOW - timedelta(days=40))

    assert scan() == []


def test_the_lead_thresholds_come_from_the_admin_settings(clock, scan, sam):
    AssistantSettings.objects.create(lead_uncontacted_hours=24, lead_idle_days=30)
    lead = LeadFactory(owner=sam, created_at=NOW - timedelta(hours=25))

    assert scan() == [("sam", "lead_not_contacted", lead.pk, "2026-11-30")]
