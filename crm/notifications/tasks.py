"""Celery adapters: fan-out of an event to its recipients, instant emails, the catch-up."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

RETRY_POLICY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 3,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
}


@shared_task(name="crm.notifications.fan_out_event", acks_late=True, **RETRY_POLICY)
def fan_out_event(event_id: int) -> int:
    """Notify the mentioned users, the thread and the followers of one event (idempotent)."""
    return services.notify_event(event_id=event_id)


@shared_task(name="crm.notifications.send_email", acks_late=True, max_retries=5,
             autoretry_for=(OSError, OperationalError, InterfaceError), retry_backoff=10,
             retry_backoff_max=600, retry_jitter=True)
def send_notification_email(notification_id: int) -> bool:
    """One notification by email to a user who asked for instant delivery (never twice)."""
    return services.send_notification_email(notification_id=notification_id)


@shared_task(name="crm.notifications.catch_up", acks_late=True)
def catch_up() -> int:
    """Every minute: events written in bulk (mail sync) or whose fan-out task was lost."""
    return services.catch_up()
