"""Issue 16 item 11: the admin's home shows the state of the system (task queue, outbox,
worker heartbeat, failing mailboxes, assistant scan, last lead import) and the settings links;
a seller's home is still the seller dashboard."""

import re
import uuid
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.assistant.models import ScanState
from crm.celery import app as celery_app
from crm.common.heartbeat import HEARTBEAT_KEY, write_heartbeat
from crm.common.models import OutboxMessage
from crm.mail.models import Mailbox, MailboxKind, MailboxState
from leads.models import ImportStatus, LeadImport

pytestmark = pytest.mark.django_db


def _line(html: str, label: str) -> str:
    """The text of the status line whose label is `label` (tags stripped)."""
    match = re.search(r'<div class="status-line[^"]*"[^>]*>\s*<dt>(?:(?!</div>).)*?'
                      + re.escape(label) + r".*?</dd>", html, re.S)
    assert match, f"no status line {label!r}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


@pytest.fixture
def system(org):
    """A failing and a disabled mailbox, an outbox row, a finished import, a recent scan."""
    failing = Mailbox.objects.create(
        owner=org.sam, address="sam@crm.test", imap_host="imap.invalid", username="sam",
        state=MailboxState.FAILING, last_error="Authentication failed")
    disabled = Mailbox.objects.create(
        owner=org.tom, address="tom@crm.test", imap_host="imap.invalid", username="tom",
        state=MailboxState.DISABLED)
    Mailbox.objects.create(owner=org.olga, address="olga@crm.test", imap_host="imap.invalid",
                           username="olga")
    queue_box = Mailbox.objects.create(
        owner=org.admin, kind=MailboxKind.QUEUE, address="sales@crm.test",
        imap_host="imap.invalid", username="sales", state=MailboxState.FAILING)
    OutboxMessage.objects.create(task_name="crm.activities.tasks.refresh", args=[1])
    OutboxMessage.objects.create(task_name="crm.activities.tasks.refresh", args=[2])
    job = LeadImport.objects.create(
        owner=org.sam, file="lead_imports/fairs.csv", file_name="fairs.csv",
        status=ImportStatus.DONE, total=14, processed=14, created_count=12, error_count=2,
        finished_at=timezone.now() - timedelta(hours=3))
    ScanState.objects.create(rule="stale_lead", last_scanned_at=timezone.now())
    return {"failing": failing, "disabled": disabled, "queue_box": queue_box, "job": job}


@pytest.fixture
def queue(settings):
    """A queue of this test's own in the test Redis DB, with three waiting messages."""
    settings.CELERY_TASK_DEFAULT_QUEUE = f"crm-admin-home-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.rpush(settings.CELERY_TASK_DEFAULT_QUEUE, "a", "b", "c")
    yield settings.CELERY_TASK_DEFAULT_QUEUE
    client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    client.close()


@pytest.fixture
def with_broker():
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True


def test_the_admin_sees_the_state_of_the_system(org, web, system, queue, with_broker):
    assert settings.REDIS_URL, "these tests run against a real Redis (REDIS_URL)"
    write_heartbeat("worker@test")
    html = web(org.admin).get("/").content.decode()

    assert "Good day" in html
    assert "Open leads by status" not in html  # not the seller dashboard's empty widgets
    assert _line(html, "Task queue").startswith(f"Task queue 3 tasks waiting in “{queue}”")
    assert _line(html, "Outbox backlog").startswith("Outbox backlog 2")
    worker = _line(html, "Worker heartbeat")
    assert "Worker heartbeat ok" in worker and "from worker@test" in worker
    mailboxes = _line(html, "Mailboxes failing or disabled")
    assert "Mailboxes failing or disabled 3" in mailboxes
    assert "sam@crm.test · Failing · Authentication failed" in mailboxes
    assert "tom@crm.test · Disabled" in mailboxes
    assert "olga@crm.test" not in mailboxes
    # a queue mailbox links to its settings page, a person's mailbox to its admin page
    queue_url = f'/mail/mailboxes/{system["queue_box"].pk}/'
    personal_url = f'/admin/mail/mailbox/{system["failing"].pk}/change/'
    for url in (queue_url, personal_url, f'/admin/mail/mailbox/{system["disabled"].pk}/change/'):
        assert f'href="{url}"' in html
        assert web(org.admin).get(url).status_code == 200, url
    assert "Last assistant scan" in html and "never" not in _line(html, "Last assistant scan")
    lead_import = _line(html, "Last lead import")
    assert "Last lead import Done" in lead_import
    assert "fairs.csv by" in lead_import and "12 created, 2 errors" in lead_import
    assert f'href="{system["job"].get_absolute_url()}"' in html


def test_the_admin_home_links_to_every_settings_page(org, web):
    html = web(org.admin).get("/").content.decode()
    links = re.search(r'<ul class="plain-list settings-links".*?</ul>', html, re.S).group(0)
    for label, url in [
        ("Users", "/admin/users/user/"), ("Mailboxes", "/mail/mailboxes/"),
        ("Email templates", "/mail/templates/"),
        ("Assistant thresholds", "/admin/assistant/assistantsettings/"),
        ("Stage steps", "/admin/opportunities/stagestep/"),
        ("Price lists", "/admin/catalog/pricelist/"), ("Products", "/admin/catalog/product/"),
        ("Tax rates", "/admin/catalog/taxrate/"), ("Lead import", "/leads/import/"),
    ]:
        assert f'<a href="{url}">{label}</a>' in links, label
    assert 'href="/admin/"' in links
    for url in re.findall(r'href="([^"]+)"', links):
        assert web(org.admin).get(url, follow=True).status_code == 200, url


def test_without_a_worker_or_history_the_lines_say_so(org, web, with_broker):
    from django.core.cache import cache

    cache.delete(HEARTBEAT_KEY)
    html = web(org.admin).get("/").content.decode()
    assert _line(html, "Worker heartbeat").startswith("Worker heartbeat missing")
    assert _line(html, "Outbox backlog").startswith("Outbox backlog 0")
    assert _line(html, "Mailboxes failing or disabled").startswith(
        "Mailboxes failing or disabled 0")
    assert _line(html, "Last assistant scan").startswith("Last assistant scan never")
    assert _line(html, "Last lead import").startswith("Last lead import none yet")


def test_the_queue_reads_inline_without_redis_and_unavailable_when_redis_is_down(
        org, web, settings):
    settings.REDIS_URL = ""
    assert _line(web(org.admin).get("/").content.decode(), "Task queue").startswith(
        "Task queue inline")
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = web(org.admin).get("/")
    assert response.status_code == 200
    assert _line(response.content.decode(), "Task queue").startswith("Task queue unavailable")


def test_a_sellers_home_is_still_the_seller_dashboard(org, web):
    html = web(org.sam).get("/").content.decode()
    assert "Open leads by status" in html
    assert "System state" not in html and "settings-links" not in html


def test_the_admin_home_costs_a_fixed_number_of_queries(org, web, system, with_broker):
    client = web(org.admin)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # session, outbox count, mailboxes, assistant scan, last import (with its owner), the
    # active scoring models (the signed-in user and the scoring switch come from the cache)
    assert len(queries) == 6, [q["sql"] for q in queries]
    for n in range(3):
        Mailbox.objects.create(owner=org.maria, kind=MailboxKind.QUEUE,
                               address=f"m{n}@crm.test",
                               imap_host="imap.invalid", username=f"m{n}",
                               state=MailboxState.FAILING)
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(queries)
