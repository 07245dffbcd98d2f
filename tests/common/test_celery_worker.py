"""A real Celery worker consumes from the running Redis and executes a task."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from crm.celery import app
from crm.common.models import OutboxMessage
from crm.common.queue import publish
from crm.common.tasks import dispatch_outbox, ping


@pytest.fixture
def live_worker(transactional_db, settings):
    """A worker thread against the real broker, on a queue of its own."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_TASK_DEFAULT_QUEUE = queue
    with start_worker(app, queues=[queue], pool="solo", perform_ping_check=False,
                      shutdown_timeout=10, loglevel="WARNING"):
        yield queue
    app.conf.CELERY_TASK_DEFAULT_QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE


def wait_for(predicate, timeout=15.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
def test_a_published_task_runs_on_the_worker(live_worker):
    assert app.conf.broker_url.startswith("redis://")
    marker = uuid.uuid4().hex
    ping.delay(marker)
    assert wait_for(lambda: cache.get(f"celery-ping:{marker}") == "pong")


@pytest.mark.celery_worker
def test_outbox_messages_are_sent_once_the_broker_is_back(live_worker):
    marker = uuid.uuid4().hex
    OutboxMessage.objects.create(task_name="crm.common.ping", args=[marker])
    assert dispatch_outbox() == 1
    assert not OutboxMessage.objects.exists()
    assert wait_for(lambda: cache.get(f"celery-ping:{marker}") == "pong")


def test_publish_never_raises_when_the_broker_is_down(db, monkeypatch):
    """A web request must not hang or fail when Redis is down: the task goes to the outbox."""
    app.conf.CELERY_TASK_ALWAYS_EAGER = False

    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(ping, "apply_async", broken)
    assert publish(ping, "abc") is False
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args) == ("crm.common.ping", ["abc"])
