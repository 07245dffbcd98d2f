"""With a real Celery worker, the scan is read in the background and the page picks it up."""

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from crm.cardscan.models import CardScan, ScanStatus
from crm.cardscan.services import card_scan_create
from crm.celery import app

from .factories import card_file


@pytest.fixture
def live_worker(transactional_db, settings):
    queue = f"test-cardscan-{uuid.uuid4().hex[:8]}"
    # The app reads its settings under the CELERY_ namespace: set those keys.
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_TASK_DEFAULT_QUEUE = queue
    with start_worker(app, queues=[queue], pool="solo", perform_ping_check=False,
                      shutdown_timeout=10, loglevel="WARNING"):
        yield queue
    app.conf.CELERY_TASK_DEFAULT_QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE
    app.conf.CELERY_TASK_ALWAYS_EAGER = True


def wait_for(predicate, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
def test_a_worker_reads_the_card_and_the_polling_page_reloads(org, client, live_worker):
    assert app.conf.broker_url.startswith("redis://")
    scan = card_scan_create(actor=org.sam, data=card_file("clean-04-en"))
    client.force_login(org.sam)

    assert wait_for(lambda: CardScan.objects.get(pk=scan.pk).status != ScanStatus.PENDING)
    poll = client.get(reverse("cardscan-status", args=[scan.pk]))

    scan.refresh_from_db()
    assert scan.status == ScanStatus.DONE
    assert scan.fields["email"] == "sarah.whitfield@greenleaf-foods.com"
    assert poll["HX-Refresh"] == "true"
