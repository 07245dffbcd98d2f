from datetime import timedelta

from celery import current_app, shared_task
from django.utils import timezone

from .models import IdempotencyRecord, OutboxMessage


@shared_task(name="crm.common.dispatch_outbox", acks_late=True)
def dispatch_outbox(batch: int = 500) -> int:
    """Re-send tasks that could not be published while the broker was down."""
    sent = 0
    for message in OutboxMessage.objects.order_by("id")[:batch]:
        try:
            current_app.send_task(message.task_name, args=message.args, kwargs=message.kwargs)
        except Exception as exc:
            message.attempts += 1
            message.last_error = str(exc)[:500]
            message.save(update_fields=["attempts", "last_error"])
            break  # the broker is still down; try again on the next beat
        message.delete()
        sent += 1
    return sent


@shared_task(name="crm.common.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=24)
    ).delete()
    return deleted


@shared_task(name="crm.common.ping")
def ping(marker: str) -> str:
    """A no-op task used by the health check and by the worker test: stores `marker`."""
    from django.core.cache import cache

    cache.set(f"celery-ping:{marker}", "pong", 300)
    return "pong"
