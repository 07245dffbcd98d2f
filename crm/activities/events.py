"""The one helper every transition service uses to record what happened."""

from crm.common.queue import enqueue_on_commit
from crm.common.registries import event_listeners, record_types

from .event_types import EventType
from .models import Event
from .tasks import sync_timeline_items


def record_event(*, record, actor, action: EventType, from_state: str = "", to_state: str = "",
                 note: str = "", data: dict | None = None) -> Event:
    """Write an event row for `record` (call it inside the service's transaction).

    `action` is an `EventType` member; a plain string is refused (TypeError), so every action
    stored has one spelling and a label.

    The row is born `timeline_synced=False`; the timeline aggregation picks it up after commit
    (or, if that task is lost, on the next periodic catch-up).
    """
    if not isinstance(action, EventType):
        raise TypeError(f"record_event needs an EventType, not {action!r}")
    record_type = record_types.for_model(type(record)).name
    event = Event.objects.create(
        record_type=record_type, record_id=record.pk, action=action.value,
        from_state=from_state or "", to_state=to_state or "", note=note or "",
        data=data or {}, actor=actor if getattr(actor, "pk", None) else None,
    )
    enqueue_on_commit(sync_timeline_items, event_ids=[event.pk])
    for listener in list(event_listeners.values()):
        listener(event, record)
    return event
