"""The event listener: every Event becomes an OutgoingEvent row in the same transaction.

A rolled-back change takes its row with it (nothing is delivered); a committed one is fanned out
by `dispatch_event` after commit, or by the periodic `dispatch_pending` if that task is lost
(Redis down: `enqueue_on_commit` keeps it in the common outbox as well).
"""

import contextvars
import logging
from contextlib import contextmanager

from django.utils import timezone

from crm.common.queue import enqueue_on_commit

from .event_types import event_type_for
from .models import OutgoingEvent
from .payloads import record_payload

logger = logging.getLogger(__name__)
# tasks.dispatch_event, queued by name: tasks.py imports the services, which import this module.
DISPATCH_EVENT = "crm.automation.dispatch_event"

# The rule whose actions are running (loop prevention): events written meanwhile carry it and
# never trigger rules.
running_rule: contextvars.ContextVar = contextvars.ContextVar("automation_running_rule",
                                                              default=None)


@contextmanager
def rule_running(rule):
    token = running_rule.set(rule)
    try:
        yield
    finally:
        running_rule.reset(token)


def write_outgoing_event(event, record) -> OutgoingEvent:
    """The event listener: an OutgoingEvent for each Event row."""
    return emit(record_type=event.record_type, record=record, action=event.action,
                actor_id=event.actor_id, from_state=event.from_state, to_state=event.to_state,
                note=event.note, data=event.data, occurred_at=event.occurred_at,
                source_event_id=event.pk)


def emit(*, record_type: str, record, action: str, actor_id=None, from_state: str = "",
         to_state: str = "", note: str = "", data: dict | None = None, occurred_at=None,
         source_event_id=None, snapshot_now: bool = False) -> OutgoingEvent:
    """Write one outgoing event (inside the caller's transaction) and dispatch it after commit.
    `record_updated`/`record_deleted` call this directly: those events feed webhooks and
    rules but are no timeline entries.

    The record as the API shows it is added by the dispatcher, in the worker, right after the
    commit (the request does not pay for serializing it); `snapshot_now` serializes it here
    instead (a deletion: the row is gone by then). `changes` is exact for every event."""
    payload = {
        "record_type": record_type,
        "record_id": record.pk,
        "action": action,
    }
    if snapshot_now:
        payload["record"] = record_payload(record_type, record)
    if from_state or to_state:
        payload["from_state"], payload["to_state"] = from_state, to_state
    if note:
        payload["note"] = note
    data = data or {}
    if data.get("changes"):
        payload["changes"] = data["changes"]
    extra = {k: v for k, v in data.items() if k != "changes"}
    if extra:
        payload["data"] = extra
    rule = running_rule.get()
    outgoing = OutgoingEvent.objects.create(
        type=event_type_for(record_type, action), record_type=record_type,
        record_id=record.pk, source_event_id=source_event_id, action=action,
        payload=payload, actor_id=actor_id, occurred_at=occurred_at or timezone.now(),
        by_rule=rule if getattr(rule, "pk", None) else None,
    )
    enqueue_on_commit(DISPATCH_EVENT, outgoing.pk)
    return outgoing
