"""Rollups and the timeline read model after adds, edits, deletes and reassignments."""

import pytest

from crm.activities import aggregation, services
from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.activities.models import Activity, ActivityKind
from crm.customers import services as customer_services
from tests.factories import AccountFactory, ContactFactory

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db


def _log_call(actor, record, subject, on_commit, **kw):
    with on_commit():
        return services.activity_create(actor=actor, kind=ActivityKind.PHONE_CALL,
                                        regarding=record, subject=subject, **kw)


def test_a_call_on_a_contact_shows_on_the_contact_and_rolls_up_to_its_account(
        org, on_commit, timeline):
    contact = ContactFactory(owner=org.sam)
    _log_call(org.sam, contact, "Discovery call", on_commit)
    assert timeline("contact", contact.pk) == [("phone_call", "Discovery call", False)]
    assert timeline("account", contact.account_id) == [("phone_call", "Discovery call", True)]
    contact.account.refresh_from_db()
    assert contact.account.open_activity_count == 1
    assert contact.account.last_activity_at is not None


def test_rollups_follow_completion_and_cancellation(org, on_commit):
    contact = ContactFactory(owner=org.sam)
    a = _log_call(org.sam, contact, "Call 1", on_commit)
    _log_call(org.sam, contact, "Call 2", on_commit)
    with on_commit():
        services.activity_complete(activity=a, actor=org.sam)
    contact.refresh_from_db()
    assert contact.open_activity_count == 1


def test_moving_an_activity_to_another_contact_moves_it_between_timelines(
        org, on_commit, timeline):
    first, second = ContactFactory(owner=org.sam), ContactFactory(owner=org.sam)
    call = _log_call(org.sam, first, "Moved call", on_commit)
    with on_commit():
        services.activity_update(activity=call, actor=org.sam, regarding=second)
    assert timeline("contact", first.pk) == []
    assert timeline("account", first.account_id) == []
    assert timeline("account", second.account_id) == [("phone_call", "Moved call", True)]
    first.account.refresh_from_db()
    second.account.refresh_from_db()
    assert (first.account.open_activity_count, second.account.open_activity_count) == (0, 1)
    assert first.account.last_activity_at is None


def test_deleting_an_activity_removes_it_and_recounts(org, on_commit, timeline):
    contact = ContactFactory(owner=org.sam)
    call = _log_call(org.sam, contact, "Wrong number", on_commit)
    with on_commit():
        services.activity_delete(activity=call, actor=org.sam)
    contact.refresh_from_db()
    contact.account.refresh_from_db()
    assert timeline("account", contact.account_id) == []
    assert (contact.open_activity_count, contact.account.open_activity_count) == (0, 0)
    assert contact.account.last_activity_at is None


def test_a_contact_moving_to_another_account_takes_its_timeline_along(
        org, on_commit, timeline):
    contact = ContactFactory(owner=org.sam)
    old_account, new_account = contact.account, AccountFactory(owner=org.sam)
    _log_call(org.sam, contact, "Before the move", on_commit)
    with on_commit():
        customer_services.contact_update(contact=contact, actor=org.sam, account=new_account)
    assert timeline("account", old_account.pk) == []
    assert timeline("account", new_account.pk) == [("phone_call", "Before the move", True)]
    old_account.refresh_from_db()
    new_account.refresh_from_db()
    assert (old_account.open_activity_count, new_account.open_activity_count) == (0, 1)


def test_a_parent_account_shows_what_happens_at_its_subsidiaries(org, on_commit, timeline):
    parent = AccountFactory(owner=org.sam)
    child = AccountFactory(owner=org.sam, parent=parent)
    contact = ContactFactory(owner=org.sam, account=child)
    _log_call(org.sam, contact, "Subsidiary call", on_commit)
    assert timeline("account", parent.pk) == [("phone_call", "Subsidiary call", True)]


def test_deleting_a_contact_removes_its_entries_from_the_account(org, on_commit, timeline):
    contact = ContactFactory(owner=org.sam)
    account = contact.account
    _log_call(org.sam, contact, "Gone soon", on_commit)
    with on_commit():
        customer_services.contact_delete(contact=contact, actor=org.sam)
    account.refresh_from_db()
    assert timeline("account", account.pk) == []
    assert account.open_activity_count == 0


def test_system_events_appear_on_the_record_and_its_parents(org, on_commit, timeline):
    contact = ContactFactory(owner=org.sam)
    with on_commit():
        record_event(record=contact, actor=org.sam, action=EventType.REASSIGNED)
    assert timeline("contact", contact.pk) == [("event", "reassigned", False)]
    assert timeline("account", contact.account_id) == [("event", "reassigned", True)]


def test_a_lost_task_is_made_good_by_the_catch_up(org, catch_up, timeline):
    # Given activities written without their aggregation task ever running (broker down)
    contact = ContactFactory(owner=org.sam)
    services.activity_create(actor=org.sam, kind=ActivityKind.TASK, regarding=contact,
                             subject="Send proposal")
    assert timeline("account", contact.account_id) == []
    # When the periodic catch-up runs
    result = catch_up()
    # Then the timeline and the rollups are right
    assert result["items"] == 1
    assert timeline("account", contact.account_id) == [("task", "Send proposal", True)]
    contact.account.refresh_from_db()
    assert contact.account.open_activity_count == 1


def test_running_the_catch_up_twice_changes_nothing(org, catch_up, snapshot):
    contacts = [ContactFactory(owner=org.sam) for _ in range(3)]
    for i in range(30):
        ActivityFactory(contact=contacts[i % 3], owner=org.sam)
    catch_up()
    first = snapshot()
    assert catch_up() == {"records": 0, "items": 0}
    assert snapshot() == first


def test_a_full_rebuild_reproduces_the_same_read_model(org, catch_up, snapshot):
    contact = ContactFactory(owner=org.sam)
    for _ in range(5):
        ActivityFactory(contact=contact, owner=org.sam)
    catch_up()
    before = snapshot()
    aggregation.rebuild_all()
    assert snapshot() == before
    assert not Activity.objects.filter(timeline_synced=False).exists()
