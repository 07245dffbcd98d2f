"""A real Celery worker is killed (SIGKILL) in the middle of a catch-up batch; the next run
repairs everything, and a further run changes nothing."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from crm.activities import aggregation
from crm.activities.models import Activity, ActivityKind, TimelineEntry
from crm.activities.tasks import timeline_catch_up
from crm.celery import app as celery_app
from tests.factories import AccountFactory, ContactFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
TOTAL = 3000


def _start_worker(queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    return subprocess.Popen(
        [CELERY, "-A", "crm", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _synced() -> int:
    return Activity.objects.filter(timeline_synced=True).count()


@pytest.fixture
def real_worker_queue(transactional_db):
    if not settings.REDIS_URL:
        pytest.fail("This test needs REDIS_URL (a real broker).", pytrace=False)
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    workers: list[subprocess.Popen] = []
    yield f"test-timeline-{uuid.uuid4().hex[:8]}", workers
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.mark.celery_worker
def test_a_worker_killed_mid_batch_leaves_nothing_half_done_and_a_rerun_repairs_it(
        real_worker_queue, snapshot):
    queue, workers = real_worker_queue
    # Given 3,000 activities on 20 contacts of one account, none aggregated yet
    owner = UserFactory()
    account = AccountFactory(owner=owner)
    contacts = [ContactFactory(account=account, owner=owner) for _ in range(20)]
    Activity.objects.bulk_create([
        Activity(kind=ActivityKind.TASK, subject=f"Task {i}", owner=owner,
                 contact=contacts[i % 20])
        for i in range(TOTAL)
    ])

    # When a worker runs the catch-up in batches of 50 and is killed -9 halfway
    worker = _start_worker(queue)
    workers.append(worker)
    timeline_catch_up.apply_async(kwargs={"batch_size": 50}, queue=queue)
    assert _wait(lambda: _synced() >= 200, timeout=120), "the worker never started"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(0.5)  # PostgreSQL rolls back the dead connection's open transaction

    # Then every batch is all-or-nothing: synced items have both entries, the rest none,
    # and the account's count matches what was committed.
    done = _synced()
    assert 0 < done < TOTAL, "the kill did not land mid-run; the test proves nothing"
    assert TimelineEntry.objects.count() == 2 * done
    assert not TimelineEntry.objects.filter(activity__timeline_synced=False).exists()
    account.refresh_from_db()
    assert account.open_activity_count == done

    # When a fresh worker runs the catch-up again (as the beat schedule would)
    worker = _start_worker(queue)
    workers.append(worker)
    timeline_catch_up.apply_async(kwargs={"batch_size": 50}, queue=queue)
    assert _wait(lambda: _synced() == TOTAL, timeout=180)

    # Then the read model and rollups are complete and exact
    assert _wait(lambda: TimelineEntry.objects.count() == 2 * TOTAL, timeout=10)
    account.refresh_from_db()
    assert _wait(lambda: type(account).objects.get(pk=account.pk).open_activity_count == TOTAL,
                 timeout=10)
    for contact in contacts:
        contact.refresh_from_db()
        assert contact.open_activity_count == TOTAL // 20
    assert TimelineEntry.objects.filter(record_type="account", record_id=account.pk,
                                        is_rollup=True).count() == TOTAL

    # And running it once more changes nothing
    before = snapshot()
    assert aggregation.catch_up() == {"records": 0, "items": 0}
    assert snapshot() == before
