"""Queue Celery work after commit without ever hanging a web request.

`enqueue_on_commit(task, *args)` publishes once the surrounding transaction commits. The publish
is bounded by the broker timeouts in settings; if Redis is unreachable the task is written to the
outbox table and the `dispatch_outbox` beat job sends it when the broker is back.
"""

import logging

from django.db import transaction

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def publish(task, *args, **kwargs) -> bool:
    """Send now; on a broker failure keep it in the outbox. Returns True if sent."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
        return True
    except Exception as exc:  # broker down, timeout, DNS...: never fail the caller
        logger.warning("broker unavailable, task %s kept in outbox: %s", task.name, exc)
        OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs,
                                     last_error=str(exc)[:500])
        return False


def enqueue_on_commit(task, *args, **kwargs) -> None:
    transaction.on_commit(lambda: publish(task, *args, **kwargs))
