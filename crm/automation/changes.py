"""The automation side of `crm.common.changes`: each `created`/`updated`/`deleted` change of a
record goes straight to the outgoing event stream (webhooks and rules), in the caller's
transaction. Registered as a change listener in AppConfig.ready().
"""

from crm.activities.event_types import EventType
from crm.common.registries import record_types

from .outbox import emit


def emit_change(*, record, actor, action: str, data: dict | None = None,
                snapshot_now: bool = False):
    return emit(record_type=record_types.for_model(type(record)).name, record=record,
                action=EventType(action), actor_id=getattr(actor, "pk", None), data=data,
                snapshot_now=snapshot_now)
