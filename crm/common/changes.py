"""`created` (where no event exists), `updated` and `deleted` changes with what changed.

Update services take a `snapshot()` of the locked row before applying the input and call
`record_updated()` after saving; delete services call `record_deleted()` before deleting. Each
change goes, in the caller's transaction, to the registered change listeners: the automation
engine's outgoing event stream (webhooks and rules; `crm/automation/changes.py`, registered in
its AppConfig.ready()). They are not Event rows, so the timeline and followers' notifications
do not see them. Services of every layer (customers, the pipeline apps) call these; the engine
that consumes them sits above them, so it registers instead of being imported.
"""

import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

SKIP = {"updated_at", "version", "created_at"}
# The actions, spelled as the event types of crm.activities.event_types.EventType.
CREATED, UPDATED, DELETED = "created", "updated", "deleted"

# name -> listener(*, record, actor, action, data, snapshot_now); called inside the
# transaction that changed the record.
change_listeners: dict[str, Callable[..., Any]] = {}


def register_change_listener(name: str, listener: Callable[..., Any]) -> Callable[..., Any]:
    change_listeners[name] = listener
    return listener


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(record) -> dict:
    """{field name: value} of the record's own columns, before a change."""
    return {f.name: getattr(record, f.attname) for f in record._meta.concrete_fields
            if f.name not in SKIP}


def diff(before: dict, record) -> dict:
    after = snapshot(record)
    return {name: _json([before.get(name), value]) for name, value in after.items()
            if before.get(name) != value}


def _emit(record, actor, action: str, data: dict | None = None,
          snapshot_now: bool = False) -> None:
    for listener in list(change_listeners.values()):
        listener(record=record, actor=actor, action=action, data=data, snapshot_now=snapshot_now)


def record_updated(*, record, actor, before: dict) -> None:
    """An `<type>.updated` change with `{"changes": {field: [old, new]}}`; none when nothing
    changed."""
    changes = diff(before, record)
    if changes:
        _emit(record, actor, UPDATED, {"changes": changes})


def record_deleted(*, record, actor) -> None:
    """A `<type>.deleted` change carrying the record's last values (call it before deleting)."""
    _emit(record, actor, DELETED, snapshot_now=True)


def record_created(*, record, actor) -> None:
    """A `<type>.created` change for records whose service writes no Event (accounts,
    contacts)."""
    _emit(record, actor, CREATED)
