"""Celery adapters for the timeline aggregation (see aggregation.py for the guarantees)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import aggregation

# Worth another try: a dropped database connection, a deadlock or a lock timeout (PostgreSQL
# reports those as OperationalError). The aggregation is idempotent, so a retry is safe; after
# the last one, the periodic catch-up below still repairs whatever is left.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY_POLICY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 3,
    "retry_backoff": 2,  # 2 s, 4 s, 8 s (with jitter)
    "retry_backoff_max": 60,
    "retry_jitter": True,
}


@shared_task(name="crm.activities.sync_timeline_items", acks_late=True, **RETRY_POLICY)
def sync_timeline_items(activity_ids=None, event_ids=None) -> int:
    """Aggregate the given activities/events now (queued after the write commits)."""
    return aggregation.process_items(activity_ids=activity_ids or [], event_ids=event_ids or [])


@shared_task(name="crm.activities.sync_timeline_records", acks_late=True, **RETRY_POLICY)
def sync_timeline_records(batch_size: int = aggregation.BATCH_SIZE) -> dict:
    """A record moved, was reassigned or deleted: re-aggregate what sits below it."""
    return aggregation.catch_up(batch_size=batch_size, time_budget=120)


@shared_task(name="crm.activities.timeline_catch_up", acks_late=True)
def timeline_catch_up(batch_size: int = aggregation.BATCH_SIZE, time_budget: float = 50) -> dict:
    """Periodic safety net: whatever a lost task or a crashed worker left behind."""
    return aggregation.catch_up(batch_size=batch_size, time_budget=time_budget)
