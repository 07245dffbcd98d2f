"""The scan runs on a real Celery worker consuming from Redis (not inline)."""

import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from crm.assistant.models import Card, ScanState
from crm.assistant.tasks import scan
from crm.celery import app
from tests.factories import UserFactory

from .factories import LeadFactory


@pytest.fixture
def worker_queue(transactional_db, settings):
    queue = f"test-assistant-{uuid.uuid4().hex[:8]}"
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_default_queue = queue
    with start_worker(app, queues=[queue], pool="solo", perform_ping_check=False,
                      shutdown_timeout=10, loglevel="WARNING"):
        yield queue
    app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.celery_worker
def test_the_beat_scan_task_creates_cards_on_a_real_worker(worker_queue):
    assert app.conf.broker_url.startswith("redis://")
    sam = UserFactory(username="sam")
    leads = [LeadFactory(owner=sam, created_at=timezone.now() - timedelta(hours=49))
             for _ in range(3)]

    scan.apply_async(queue=worker_queue)

    assert wait_for(lambda: Card.objects.filter(kind="lead_not_contacted").count() == 3)
    assert sorted(Card.objects.values_list("record_id", flat=True)) == sorted(lead.pk for lead in leads)
    assert wait_for(lambda: ScanState.objects.filter(rule="lead_not_contacted",
                                                     last_scanned_at__isnull=False).exists())
