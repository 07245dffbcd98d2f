"""Large exports through a REAL Celery worker (Redis broker): the job's file equals the inline
export; a worker killed in the middle of a job leaves no file and no notification, and the
job run again makes exactly one of each."""

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.db import connection
from openpyxl import load_workbook

from crm.celery import app
from crm.listviews import export_jobs
from crm.listviews.models import ExportJob, ExportStatus
from crm.notifications.models import Notification
from leads.models import Lead
from tests.leads.factories import LeadFactory

from .makers import make_rows
from .test_export import _clone_leads

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _wait(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def _rows(body: bytes) -> list:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def live_worker(transactional_db, settings):
    """A worker thread against the real broker, on a queue of its own."""
    if not settings.REDIS_URL:
        pytest.fail("This test needs REDIS_URL (a real broker).", pytrace=False)
    queue = f"test-export-{uuid.uuid4().hex[:8]}"
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_TASK_DEFAULT_QUEUE = queue
    with start_worker(app, queues=[queue], pool="solo", perform_ping_check=False,
                      shutdown_timeout=10, loglevel="WARNING"):
        yield queue
    app.conf.CELERY_TASK_DEFAULT_QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.celery_worker
def test_a_large_export_is_written_by_a_worker_with_the_rows_of_the_inline_export(
        org, web, settings, live_worker):
    make_rows("opportunities", org, 12)
    client = web(org.sam)
    path = "/opportunities/?status=open&sort=-revenue&cols=topic,account,revenue,close,owner"
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 5

    response = client.get(path + "&export=xlsx")

    assert response.status_code == 302  # queued, not streamed
    assert _wait(lambda: ExportJob.objects.filter(status=ExportStatus.DONE).exists(), 60)
    job = ExportJob.objects.get()
    assert job.row_count == 12
    notification = Notification.objects.get(recipient=org.sam)
    download = client.get(notification.url)
    assert download.status_code == 200
    job_rows = _rows(b"".join(download.streaming_content))

    settings.CRM_EXPORT_INLINE_MAX_ROWS = 5000
    inline = client.get(path + "&export=xlsx")
    assert inline.status_code == 200
    assert job_rows == _rows(b"".join(inline.streaming_content))
    assert len(job_rows) == 13


def _start_worker(queue: str, media_root: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": media_root,
    }
    return subprocess.Popen(
        [CELERY, "-A", "crm", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def worker_processes(transactional_db, settings):
    if not settings.REDIS_URL:
        pytest.fail("This test needs REDIS_URL (a real broker).", pytrace=False)
    previous = app.conf.CELERY_TASK_ALWAYS_EAGER
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    queue = f"test-export-kill-{uuid.uuid4().hex[:8]}"
    app.conf.CELERY_TASK_DEFAULT_QUEUE = queue
    workers: list[subprocess.Popen] = []
    yield queue, workers
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    app.conf.CELERY_TASK_ALWAYS_EAGER = previous
    app.conf.CELERY_TASK_DEFAULT_QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.celery_worker
def test_a_worker_killed_mid_export_is_retried_without_a_second_file_or_notification(
        org, settings, worker_processes):
    queue, workers = worker_processes
    LeadFactory.create_batch(100, owner=org.sam)
    _clone_leads(30_000)
    total = Lead.objects.count()
    workers.append(_start_worker(queue, str(settings.MEDIA_ROOT)))

    job = export_jobs.export_job_create(owner=org.sam, resource="leads", query="view=all",
                                        fmt="xlsx")
    assert _wait(lambda: ExportJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING, 120)
    time.sleep(1.0)  # into the 30,000 rows
    os.kill(workers[0].pid, signal.SIGKILL)
    workers[0].wait(timeout=10)
    time.sleep(0.5)  # PostgreSQL rolls back the dead connection's transaction

    job.refresh_from_db()
    assert job.status == ExportStatus.RUNNING, "the kill did not land mid-run"
    assert not job.file and not Notification.objects.exists()

    # the beat's resume (or the broker's redelivery) runs it again on a fresh worker
    workers.append(_start_worker(queue, str(settings.MEDIA_ROOT)))
    assert export_jobs.export_jobs_resume(older_than=timedelta(0)) == 1
    assert _wait(lambda: ExportJob.objects.get(pk=job.pk).status == ExportStatus.DONE, 300)

    job.refresh_from_db()
    assert (job.row_count, job.attempts) == (total, 2)
    assert Notification.objects.filter(recipient=org.sam).count() == 1
    folder = os.path.dirname(default_storage.path(job.file.name))
    assert os.listdir(folder) == [job.filename]
    with default_storage.open(job.file.name, "rb") as handle:
        assert len(_rows(handle.read())) == total + 1
