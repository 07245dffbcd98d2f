"""Close date within 7 days / missed, no activity for 14 days, same stage for 30 days."""

from datetime import date, timedelta

import pytest

from crm.assistant.models import Card, Priority
from opportunities.models import Opportunity, Status
from tests.factories import UserFactory

from .conftest import NOW
from .factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def fresh_opportunity(owner, **kwargs):
    """An opportunity touched today, so only the rule under test can fire."""
    defaults = {"created_at": NOW, "stage_entered_at": NOW, "last_activity_at": NOW}
    return OpportunityFactory(owner=owner, **{**defaults, **kwargs})


def kinds():
    return sorted(Card.objects.values_list("kind", flat=True))


def test_close_date_seven_days_ahead_is_flagged_from_midnight_not_the_minute_before(
        clock, scan, sam):
    opp = fresh_opportunity(sam, estimated_close_date=date(2026, 12, 8), topic="Contoso renewal")

    clock.move_to(NOW.replace(hour=23, minute=59))
    assert scan() == []
    clock.move_to(NOW.replace(hour=0, minute=1) + timedelta(days=1))  # 1 Dec: 7 days to go
    assert scan() == [("sam", "opportunity_closing_soon", opp.pk, "2026-12-08")]
    card = Card.objects.get()
    assert card.body == ("Contoso renewal is due to close in 7 days (Dec 8, 2026), worth "
                         "12,000.00 USD, in stage Qualify.")


def test_a_missed_close_date_replaces_the_closing_soon_card_the_next_day(clock, scan, sam):
    opp = fresh_opportunity(sam, estimated_close_date=date(2026, 11, 30))
    assert kinds() == [] and [c[1] for c in scan()] == ["opportunity_closing_soon"]
    assert Card.objects.get().priority == Priority.HIGH  # closing today

    clock.move_to(NOW.replace(hour=23, minute=59))
    assert [c[1] for c in scan()] == ["opportunity_closing_soon"]
    clock.move_to(NOW.replace(hour=0, minute=1) + timedelta(days=1))
    assert scan() == [("sam", "opportunity_close_missed", opp.pk, "2026-11-30")]
    assert "was due to close on Nov 30, 2026, 1 day ago" in Card.objects.get().body


def test_winning_the_opportunity_retires_its_cards(clock, scan, sam):
    opp = fresh_opportunity(sam, estimated_close_date=date(2026, 11, 20))
    assert [c[1] for c in scan()] == ["opportunity_close_missed"]

    Opportunity.objects.filter(pk=opp.pk).update(status=Status.WON, updated_at=NOW)
    clock.move_to(NOW + timedelta(minutes=15))
    assert scan() == []


def test_no_activity_for_14_days_on_an_open_opportunity(clock, scan, sam):
    opp = fresh_opportunity(sam, topic="Contoso renewal", last_activity_at=NOW - timedelta(days=14),
                            estimated_close_date=date(2027, 1, 30))

    clock.move_to(NOW - timedelta(minutes=1))
    assert scan() == []
    clock.move_to(NOW + timedelta(minutes=1))
    assert scan() == [("sam", "opportunity_no_activity", opp.pk, "2026-11-30")]
    clock.move_to(NOW + timedelta(days=2))
    scan(full=True)  # the nightly full scan refreshes the figures
    assert Card.objects.get().body == ("No activity for 16 days on Contoso renewal, "
                                       "closing Jan 30, 2027.")


def test_same_stage_for_30_days(clock, scan, sam):
    opp = fresh_opportunity(sam, stage_entered_at=NOW - timedelta(days=30), topic="Big deal")

    clock.move_to(NOW - timedelta(minutes=1))
    assert scan() == []
    clock.move_to(NOW + timedelta(minutes=1))
    assert scan() == [("sam", "opportunity_stage_stale", opp.pk, "2026-11-30")]
    assert Card.objects.get().body == "Big deal has been in stage Qualify for 30 days " \
        "(since Oct 31, 2026)."
