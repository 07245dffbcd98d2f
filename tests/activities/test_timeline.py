"""The timeline read model: order, keyset pagination, kind filter, visibility, query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.activities import aggregation, selectors, services
from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.activities.models import Activity, ActivityKind
from tests.factories import AccountFactory, ContactFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def _bulk_activities(contact, owner, count, *, start=None, kind=ActivityKind.PHONE_CALL):
    """Many activities as a bulk import would write them (aggregated afterwards)."""
    start = start or timezone.now() - timedelta(days=count)
    Activity.objects.bulk_create([
        Activity(kind=kind, subject=f"Call {i:05d}", owner=owner, contact=contact,
                 created_at=start + timedelta(minutes=i))
        for i in range(count)
    ], batch_size=2000)
    aggregation.catch_up(batch_size=1000)


def _subjects(page):
    return [e.activity.subject if e.activity_id else e.event.action for e in page.entries]


def _read_all(user, record_type, record_id, **kw):
    seen, cursor = [], ""
    while True:
        page = selectors.timeline_page(user=user, record_type=record_type, record_id=record_id,
                                       cursor=cursor, **kw)
        seen += _subjects(page)
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def test_the_timeline_is_newest_first_ten_per_page(org):
    contact = ContactFactory(owner=org.sam)
    _bulk_activities(contact, org.sam, 25)
    page = selectors.timeline_page(user=org.sam, record_type="account",
                                   record_id=contact.account_id)
    assert _subjects(page) == [f"Call {i:05d}" for i in range(24, 14, -1)]
    assert page.next_cursor


def test_load_more_stays_stable_while_new_entries_arrive(org, on_commit):
    contact = ContactFactory(owner=org.sam)
    _bulk_activities(contact, org.sam, 25)
    first = selectors.timeline_page(user=org.sam, record_type="contact", record_id=contact.pk)
    # Someone logs two new calls while the reader looks at page one.
    for subject in ("New call A", "New call B"):
        with on_commit():
            services.activity_create(actor=org.sam, kind=ActivityKind.PHONE_CALL,
                                     regarding=contact, subject=subject)
    rest, cursor = [], first.next_cursor
    while cursor:
        page = selectors.timeline_page(user=org.sam, record_type="contact",
                                       record_id=contact.pk, cursor=cursor)
        rest += _subjects(page)
        cursor = page.next_cursor
    everything = _subjects(first) + rest
    assert everything == [f"Call {i:05d}" for i in range(24, -1, -1)]  # no duplicates, no gaps


def test_the_kind_filter_shows_only_that_kind(org, on_commit):
    contact = ContactFactory(owner=org.sam)
    _bulk_activities(contact, org.sam, 3)
    with on_commit():
        services.activity_create(actor=org.sam, kind=ActivityKind.NOTE, regarding=contact,
                                 description="Budget approved")
        record_event(record=contact, actor=org.sam, action=EventType.REASSIGNED)
    notes = _read_all(org.sam, "account", contact.account_id, kind="note")
    events = _read_all(org.sam, "account", contact.account_id, kind="event")
    assert (notes, events) == (["Budget approved"], ["reassigned"])


def test_a_seller_does_not_see_another_teams_activities_on_a_shared_account(org):
    account = AccountFactory(owner=org.sam)
    contact = ContactFactory(account=account, owner=org.sam)
    _bulk_activities(contact, org.olga, 2)  # Olga (team North) logged calls on it
    _bulk_activities(contact, org.sofia, 1)  # Sofia is on Sam's team
    assert len(_read_all(org.sam, "account", account.pk)) == 1
    assert len(_read_all(org.olga, "account", account.pk)) == 2
    assert len(_read_all(org.admin, "account", account.pk)) == 3


def test_a_seller_never_sees_rolled_up_entries_of_an_opportunity_they_cannot_read(
        org, on_commit):
    account = AccountFactory(owner=org.sam)
    secret = OpportunityFactory(owner=org.olga, account=account)
    with on_commit():
        services.activity_create(actor=org.admin, owner=org.admin, kind=ActivityKind.TASK,
                                 regarding=secret, subject="Secret pricing talk")
        record_event(record=secret, actor=org.olga, action=EventType.STAGE_ADVANCED,
                     from_state="develop", to_state="propose")
    assert _read_all(org.sam, "account", account.pk) == []
    assert _read_all(org.olga, "account", account.pk) == ["stage_advanced"]
    assert _read_all(org.admin, "account", account.pk) == ["stage_advanced",
                                                           "Secret pricing talk"]


def test_reassigning_an_opportunity_updates_who_sees_its_rollups(org, on_commit):
    account = AccountFactory(owner=org.sam)
    opportunity = OpportunityFactory(owner=org.olga, account=account)
    with on_commit():
        record_event(record=opportunity, actor=org.olga, action=EventType.STAGE_ADVANCED)
    assert _read_all(org.sam, "account", account.pk) == []
    with on_commit():
        opportunity.owner = org.sam
        opportunity.save(update_fields=["owner"])
    assert _read_all(org.sam, "account", account.pk) == ["stage_advanced"]


def _page_queries(django_assert_num_queries, user, account_id):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = selectors.timeline_page(user=user, record_type="account", record_id=account_id)
        [str(e.activity.owner) for e in page.entries]
    return len(ctx.captured_queries), len(page.entries)


def test_a_timeline_page_costs_the_same_queries_with_10_or_10000_entries(org):
    small, large = ContactFactory(owner=org.sam), ContactFactory(owner=org.sam)
    _bulk_activities(small, org.sam, 10)
    _bulk_activities(large, org.sam, 10_000)
    assert aggregation.TimelineEntry.objects.filter(
        record_type="account", record_id=large.account_id).count() == 10_000
    fresh = type(org.sam).objects.get(pk=org.sam.pk)  # no cached team/subordinates
    small_cost = _page_queries(None, fresh, small.account_id)
    fresh = type(org.sam).objects.get(pk=org.sam.pk)
    large_cost = _page_queries(None, fresh, large.account_id)
    assert small_cost == large_cost
    assert small_cost[0] <= 3  # team lookup, subordinates lookup, the page itself
    large.account.refresh_from_db()
    assert large.account.open_activity_count == 10_000


def test_reassigning_an_activity_changes_who_sees_it_on_the_timeline(org, on_commit):
    contact = ContactFactory(owner=org.sam)
    with on_commit():
        call = services.activity_create(actor=org.sam, kind=ActivityKind.PHONE_CALL,
                                        regarding=contact, subject="Handover call")
    assert _read_all(org.sofia, "account", contact.account_id) == ["Handover call"]
    with on_commit():
        services.activity_update(activity=call, actor=org.maria, owner=org.tom)
    assert _read_all(org.sofia, "account", contact.account_id) == []  # Tom is team West
    assert _read_all(org.walt, "account", contact.account_id) == ["Handover call"]
