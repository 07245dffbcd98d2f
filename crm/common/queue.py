"""Queue Celery work after commit without ever hanging a web request.

`enqueue_on_commit(task, *args)` publishes once the surrounding transaction commits. The publish
is bounded by the broker timeouts in settings; if Redis is unreachable the task is written to the
outbox table and the `dispatch_outbox` beat job sends it when the broker is back.
"""

import logging

from celery import current_app
from django.db import transaction

from .cache import outages
from .models import OutboxMessage

logger = logging.getLogger(__name__)
BROKER = "Celery broker"
# After a failed publish, skip the broker this long: a hung Redis costs each publish its full
# socket timeout, so a request queuing three tasks would otherwise wait three times that.
BROKER_RETRY_AFTER = 5.0


def registered_task(task):
    """`task`, or the registered task of that name. A service queues its own app's tasks by
    name: `tasks.py` (the thin Celery adapters) imports the services, so the services do not
    import it back; the app's AppConfig.ready() imports its `tasks.py` so the name resolves in
    every process. An unknown name is a KeyError at once, not after the commit."""
    return current_app.tasks[task] if isinstance(task, str) else task


def publish(task, *args, **kwargs) -> bool:
    """Send now; on a broker failure keep it in the outbox. Returns True if sent.
    `task`: a task or a registered task name."""
    task = registered_task(task)
    eager = bool(task.app.conf.CELERY_TASK_ALWAYS_EAGER)
    if not eager and outages.is_resting(BROKER):
        _keep(task, args, kwargs, "broker unavailable (not retried yet)")
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception as exc:  # broker down, timeout, DNS...: never fail the caller
        if eager:  # no broker involved: the task itself failed inline
            logger.warning("task %s failed inline, kept in outbox: %s", task.name, exc)
        else:
            outages.failed(BROKER, exc, BROKER_RETRY_AFTER)  # logged once per outage
            logger.info("task %s kept in outbox: %s", task.name, exc)
        _keep(task, args, kwargs, str(exc))
        return False
    if not eager:
        outages.recovered(BROKER)
    return True


def _keep(task, args, kwargs, error: str) -> None:
    OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs,
                                 last_error=error[:500])


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish `task` (a task or a registered task name) once the transaction commits."""
    task = registered_task(task)
    transaction.on_commit(lambda: publish(task, *args, **kwargs))
