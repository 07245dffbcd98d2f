"""Event types (issue 22, item 4): one enum of past-tense actions, written everywhere through
`record_event`, stored rows renamed by a reversible data migration, webhook names unchanged."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from crm.activities.event_types import RENAMED, EventType, event_label
from crm.activities.events import record_event
from crm.activities.models import Event
from crm.automation import services as automation_services
from crm.automation.event_types import TRANSITIONS, event_type_for, known_event_types
from crm.common.db import rename_values
from leads import services as lead_services
from tests.leads.factories import LeadFactory

MIGRATION = importlib.import_module(
    "crm.activities.migrations.0009_event_actions_past_tense")


@pytest.mark.parametrize("action", ["qualified", "qualify", "made_up"])
def test_record_event_refuses_anything_but_an_event_type(org, action):
    lead = LeadFactory(owner=org.sam)
    with pytest.raises(TypeError):
        record_event(record=lead, actor=org.sam, action=action)
    assert not Event.objects.filter(record_id=lead.pk, action=action).exists()


def test_the_lead_lifecycle_writes_past_tense_actions(org):
    keep = LeadFactory(owner=org.sam, email="dup@example.com")
    dup = LeadFactory(owner=org.sam, email="dup@example.com")
    keep = lead_services.lead_mark_contacted(lead=keep, actor=org.sam)
    keep = lead_services.lead_disqualify(lead=keep, actor=org.sam, reason="lost")
    keep = lead_services.lead_reactivate(lead=keep, actor=org.sam)
    lead_services.lead_merge(lead=keep, duplicate=dup, actor=org.sam)

    def actions(lead):
        return list(Event.objects.filter(record_type="lead", record_id=lead.pk)
                    .order_by("occurred_at", "id").values_list("action", flat=True))

    assert actions(keep) == ["contacted", "disqualified", "reactivated", "merged"]
    assert actions(dup) == ["merged_into"]
    assert set(Event.objects.values_list("action", flat=True)) <= set(EventType.values)


def test_titles_are_the_translated_labels():
    event = Event(record_type="lead", record_id=1, action=EventType.QUALIFIED,
                  from_state="contacted", to_state="qualified")
    assert event.title == "Qualified: Contacted → Qualified"
    with translation.override("de"):
        assert event_label(EventType.WON) == "Gewonnen"
    # a row written by an older version still reads as words
    assert event_label("some_old_action") == "Some old action"
    assert all(str(t.label) for t in EventType)


def test_webhook_event_types_keep_their_names():
    assert [event_type_for("lead", a) for a in TRANSITIONS["lead"]] == [
        "lead.contacted", "lead.qualified", "lead.disqualified", "lead.reactivated",
        "lead.reassigned", "lead.merged"]
    assert event_type_for("lead", EventType.MERGED_INTO) == "lead.merged_into"
    assert event_type_for("opportunity", EventType.POST_CREATED) == "post.created"
    assert event_type_for("invoice", EventType.EMAIL_RECEIVED) == "email.received"
    assert {"lead.created", "lead.updated", "lead.deleted", "opportunity.won", "invoice.paid",
            "quote.activated", "post.mentioned", "email.sent"} <= set(known_event_types())


def test_a_rule_given_an_old_transition_name_stores_the_new_one(org):
    rule = automation_services.rule_create(
        actor=org.admin, name="Follow up", record_type="lead", trigger="transition",
        transitions=["qualify", "mark_contacted", "merge"],
        actions=[{"type": "notify", "to": "owner", "message": "Done"}])
    assert rule.transitions == ["contacted", "merged", "qualified"]


class _Editor:
    connection = connection


def test_the_data_migration_renames_stored_actions_and_back(org):
    lead = LeadFactory(owner=org.sam)
    Event.objects.filter(record_id=lead.pk).delete()
    Event.objects.bulk_create([
        Event(record_type="lead", record_id=lead.pk, action=old) for old in RENAMED
    ] + [Event(record_type="lead", record_id=lead.pk, action="won")])

    def stored():
        return sorted(Event.objects.filter(record_id=lead.pk).values_list("action", flat=True))

    MIGRATION.forwards(apps, _Editor())
    # "merge" became "merged" and the old "merged" became "merged_into": each row renamed once
    assert stored() == sorted([*RENAMED.values(), "won"])
    MIGRATION.backwards(apps, _Editor())
    assert stored() == sorted([*RENAMED, "won"])


def test_the_rename_runs_in_batches(org):
    lead = LeadFactory(owner=org.sam)
    Event.objects.bulk_create([Event(record_type="lead", record_id=lead.pk, action="qualify")
                               for _ in range(7)])
    changed = rename_values(connection, Event._meta.db_table, "action", {"qualify": "qualified"},
                            batch=2)
    assert changed == 7
    assert not Event.objects.filter(action="qualify").exists()
