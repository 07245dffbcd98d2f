"""The scan engine: idempotent, incremental from a watermark, retiring, event-driven."""

from datetime import timedelta

import pytest

from crm.assistant import engine, selectors, services
from crm.assistant.models import Card, CardState, ScanState
from leads.models import Lead, LeadStatus

from .conftest import NOW
from .factories import LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def stale_lead(owner, **kwargs):
    return LeadFactory(owner=owner, status=LeadStatus.CONTACTED,
                       created_at=NOW - timedelta(days=30),
                       last_activity_at=NOW - timedelta(days=10), **kwargs)


def test_scanning_twice_gives_the_same_cards(clock, scan, org):
    for owner in (org.sam, org.tom, org.olga):
        stale_lead(owner)
    first = scan(full=True)

    assert scan(full=True) == first
    assert scan() == first
    assert len(first) == 3


def test_a_concurrent_refresh_and_scan_never_duplicate_a_card(clock, org):
    lead = stale_lead(org.sam)
    engine.refresh_records("lead", [lead.pk])
    Card.objects.filter(record_id=lead.pk).update(title="stale text")
    engine.refresh_records("lead", [lead.pk])
    engine.scan(full=True)

    assert Card.objects.filter(record_type="lead", record_id=lead.pk).count() == 1
    assert Card.objects.get().title.startswith("No activity on lead")


def test_the_incremental_scan_looks_only_at_records_that_moved(clock, org):
    leads = [stale_lead(org.sam) for _ in range(5)]
    clock.move_to(NOW + timedelta(minutes=5))
    engine.scan()  # first run: full
    assert ScanState.objects.get(rule="lead_no_activity").last_scanned_at == NOW + timedelta(
        minutes=5)

    clock.move_to(NOW + timedelta(minutes=20))
    Lead.objects.filter(pk=leads[0].pk).update(updated_at=NOW + timedelta(minutes=15))
    stats = engine.scan()
    assert stats.per_rule["lead_no_activity"]["examined"] == 1  # the changed lead, no other


def test_cards_whose_record_was_deleted_retire_on_the_full_scan(clock, scan, org):
    lead = stale_lead(org.sam)
    scan()
    Lead.objects.filter(pk=lead.pk).delete()

    assert scan(full=True) == []


def test_reassigning_a_record_moves_its_card_to_the_new_owner(clock, scan, org):
    """A seller never keeps a card about a record they can no longer read."""
    lead = stale_lead(org.sam)
    scan()
    Lead.objects.filter(pk=lead.pk).update(owner=org.olga, updated_at=NOW + timedelta(minutes=1))
    clock.move_to(NOW + timedelta(minutes=15))

    assert scan() == [("olga", "lead_no_activity", lead.pk, "2026-11-27")]
    assert selectors.cards_for(org.sam) == []


def test_a_seller_never_gets_cards_about_records_they_cannot_read(clock, scan, org):
    stale_lead(org.olga)  # team North
    stale_lead(org.tom)  # team West, below Walt and Maria
    OpportunityFactory(owner=org.sofia, created_at=NOW - timedelta(days=40),
                       stage_entered_at=NOW)
    scan()

    assert selectors.cards_for(org.sam) == []  # Sam reads Sofia's records but gets no card
    assert [c.record_type for c in selectors.cards_for(org.sofia)] == ["opportunity"]
    for card in Card.objects.select_related("user"):
        model = Lead if card.record_type == "lead" else OpportunityFactory._meta.model
        record = model.objects.get(pk=card.record_id)
        assert record.owner_id == card.user_id


def test_a_dismissed_card_stays_dismissed_while_its_condition_holds(clock, scan, org):
    lead = stale_lead(org.sam)
    scan()
    services.card_dismiss(card=Card.objects.get(), actor=org.sam)

    scan(full=True)
    assert Card.objects.get().state == CardState.DISMISSED
    assert selectors.cards_for(org.sam) == []

    # New activity, then quiet again: a new card with a new due date.
    Lead.objects.filter(pk=lead.pk).update(last_activity_at=NOW)
    clock.move_to(NOW + timedelta(days=8))
    assert scan() == [("sam", "lead_no_activity", lead.pk, "2026-12-07")]
    assert [c.state for c in Card.objects.all()] == [CardState.ACTIVE]


def test_a_snoozed_card_comes_back_when_the_snooze_expires(clock, scan, org):
    stale_lead(org.sam)
    scan()
    card = services.card_snooze(card=Card.objects.get(), actor=org.sam)
    assert card.snoozed_until == NOW + timedelta(hours=24)  # normal priority: a day

    clock.move_to(NOW + timedelta(hours=24) - timedelta(minutes=1))
    assert selectors.cards_for(org.sam) == []
    clock.move_to(NOW + timedelta(hours=24) + timedelta(minutes=1))
    assert [c.pk for c in selectors.cards_for(org.sam)] == [card.pk]
    scan()
    card.refresh_from_db()
    assert (card.state, card.snoozed_until) == (CardState.ACTIVE, None)


def test_high_priority_cards_snooze_for_an_hour(clock, scan, org):
    LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50))
    scan()

    card = services.card_snooze(card=Card.objects.get(kind="lead_not_contacted"), actor=org.sam)
    assert card.snoozed_until == NOW + timedelta(hours=1)


def test_saving_a_record_refreshes_its_cards_after_commit(clock, org,
                                                          django_capture_on_commit_callbacks):
    lead = stale_lead(org.sam)
    engine.scan()
    assert Card.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        Lead.objects.filter(pk=lead.pk).update(status=LeadStatus.DISQUALIFIED)
        Lead.objects.get(pk=lead.pk).save(update_fields=["description"])

    assert Card.objects.count() == 0


def test_changing_a_threshold_rescans_every_record(clock, org, django_capture_on_commit_callbacks):
    from crm.assistant.models import AssistantSettings

    stale_lead(org.sam)  # 10 days quiet
    engine.scan()
    assert Card.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        settings = AssistantSettings.load()
        settings.lead_idle_days = 12
        settings.save()
    assert Card.objects.count() == 0


def test_a_new_activity_clears_no_activity_before_the_rollup_catches_up(
        clock, org, django_capture_on_commit_callbacks):
    """Logging a completed call on a new lead also marks it contacted (a plain save of the
    lead in the same transaction); the card still goes at once."""
    from crm.activities.services import activity_create

    lead = LeadFactory(owner=org.sam, created_at=NOW - timedelta(days=10))
    engine.scan()
    assert sorted(Card.objects.values_list("kind", flat=True)) == ["lead_no_activity",
                                                                   "lead_not_contacted"]

    with django_capture_on_commit_callbacks(execute=True):
        activity_create(actor=org.sam, kind="phone_call", regarding=lead, completed=True,
                        subject="Introduced our scanners")

    assert list(Card.objects.values_list("kind", flat=True)) == []


def test_the_scan_task_can_run_only_some_kinds(clock, org):
    from crm.assistant.tasks import scan

    LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50))
    scan(kinds=["task_overdue"])
    assert not Card.objects.exists()
    scan()
    assert Card.objects.filter(kind="lead_not_contacted").exists()
