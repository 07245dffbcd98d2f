"""The retry policies of the background tasks are real: a transient database error is retried
(bounded), anything else is not.

Celery runs inline here. An inline task runs its retries inline too, but only when eager errors
are not propagated (with `task_eager_propagates` Celery raises `Retry` to the caller instead), so
these tests turn propagation off and read the outcome from the result.
"""

import time
import uuid

import pytest
from django.db import OperationalError

from crm.activities import aggregation
from crm.activities.models import Activity, ActivityKind, TimelineEntry
from crm.activities.tasks import sync_timeline_items
from crm.cardscan.tasks import run_card_scan
from crm.celery import app as celery_app
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_retries():
    celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = False
    yield
    celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture
def flaky_aggregation(monkeypatch):
    """The aggregation fails the first `failures` calls as a dropped connection would, then
    does the real work. Returns the list of calls made."""
    real = aggregation.process_items
    calls: list[int] = []

    def install(failures: int, error: Exception):
        def process_items(**kwargs):
            calls.append(1)
            if len(calls) <= failures:
                raise error
            return real(**kwargs)

        monkeypatch.setattr(aggregation, "process_items", process_items)
        return calls

    return install


@pytest.fixture
def unsynced_activity():
    owner = UserFactory()
    contact = ContactFactory(account=AccountFactory(owner=owner), owner=owner)
    return Activity.objects.create(kind=ActivityKind.TASK, subject="Call back", owner=owner,
                                   contact=contact)


def test_a_transient_database_error_is_retried_and_the_retry_does_the_work(
        flaky_aggregation, unsynced_activity):
    calls = flaky_aggregation(1, OperationalError("server closed the connection unexpectedly"))

    result = sync_timeline_items.apply(kwargs={"activity_ids": [unsynced_activity.pk]})

    assert result.successful()
    assert len(calls) == 2  # the failed run and its retry
    assert result.get() == 1
    unsynced_activity.refresh_from_db()
    assert unsynced_activity.timeline_synced
    assert TimelineEntry.objects.filter(activity=unsynced_activity).count() == 2


def test_retries_are_bounded(flaky_aggregation, unsynced_activity):
    calls = flaky_aggregation(99, OperationalError("deadlock detected"))

    with pytest.raises(OperationalError):
        sync_timeline_items.apply(kwargs={"activity_ids": [unsynced_activity.pk]}).get()

    assert len(calls) == 1 + sync_timeline_items.max_retries
    unsynced_activity.refresh_from_db()
    assert not unsynced_activity.timeline_synced  # left to the periodic catch-up


def test_a_programming_error_is_not_retried(flaky_aggregation, unsynced_activity):
    calls = flaky_aggregation(99, ValueError("a bug"))

    with pytest.raises(ValueError):
        sync_timeline_items.apply(kwargs={"activity_ids": [unsynced_activity.pk]}).get()

    assert len(calls) == 1


def test_every_task_with_retries_says_what_it_retries():
    for task in (sync_timeline_items, run_card_scan):
        assert task.max_retries and OperationalError in task.autoretry_for, task.name


@pytest.fixture
def live_worker(transactional_db):
    """A real worker thread on the running Redis, on a queue of its own, tasks not inline."""
    from celery.contrib.testing.worker import start_worker

    queue = f"test-retry-{uuid.uuid4().hex[:8]}"
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(celery_app, queues=[queue], pool="solo", perform_ping_check=False,
                      shutdown_timeout=10, loglevel="WARNING"):
        yield queue
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True


@pytest.mark.celery_worker
def test_a_worker_retries_the_task_after_a_transient_error(
        live_worker, flaky_aggregation, unsynced_activity):
    calls = flaky_aggregation(1, OperationalError("server closed the connection unexpectedly"))

    sync_timeline_items.apply_async(kwargs={"activity_ids": [unsynced_activity.pk]},
                                    queue=live_worker)

    def synced():
        unsynced_activity.refresh_from_db()
        return unsynced_activity.timeline_synced

    deadline = time.monotonic() + 30
    while not synced() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert synced()
    assert len(calls) == 2
