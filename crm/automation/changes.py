"""`created` (where no event exists), `updated` and `deleted` events with what changed.

Update services take a `snapshot()` of the locked row before applying the input and call
`record_updated()` after saving; delete services call `record_deleted()` before deleting. These
go straight to the outgoing event stream (webhooks and rules), in the caller's transaction; they
are not Event rows, so the timeline and followers' notifications do not see them.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder

from crm.common.registries import record_types

SKIP = {"updated_at", "version", "created_at"}


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


def _emit(record, actor, action, data=None, snapshot_now=False):
    from .outbox import emit

    return emit(record_type=record_types.for_model(type(record)).name, record=record,
                action=action, actor_id=getattr(actor, "pk", None), data=data,
                snapshot_now=snapshot_now)


def record_updated(*, record, actor, before: dict):
    """An `<type>.updated` event with `{"changes": {field: [old, new]}}`; none when nothing
    changed."""
    changes = diff(before, record)
    if not changes:
        return None
    return _emit(record, actor, "updated", {"changes": changes})


def record_deleted(*, record, actor):
    """A `<type>.deleted` event carrying the record's last values (call it before deleting)."""
    return _emit(record, actor, "deleted", snapshot_now=True)


def record_created(*, record, actor):
    """A `<type>.created` event for records whose service writes no Event (accounts,
    contacts)."""
    return _emit(record, actor, "created")
