"""Issue 16 item 11: the admin's home says when Celery beat last ran. Beat's scheduler records
a heartbeat each time it sends a due task; the line reads ok, stale or never."""

import re
import time

import pytest
from celery.beat import ScheduleEntry
from django.core.cache import cache

from crm.celery import app as celery_app
from crm.common import tasks as common_tasks  # noqa: F401  (registers the beat task)
from crm.common.heartbeat import BEAT_HEARTBEAT_KEY, HeartbeatScheduler, last_beat_run

pytestmark = pytest.mark.django_db


def _line(html: str, label: str) -> str:
    match = re.search(r'<div class="status-line[^"]*"[^>]*>\s*<dt>(?:(?!</div>).)*?'
                      + re.escape(label) + r".*?</dd>", html, re.S)
    assert match, f"no status line {label!r}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


@pytest.fixture
def with_broker():
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True


def test_beat_uses_the_scheduler_that_records_its_runs(tmp_path):
    assert celery_app.conf.beat_scheduler == "crm.common.heartbeat.HeartbeatScheduler"
    cache.delete(BEAT_HEARTBEAT_KEY)
    scheduler = HeartbeatScheduler(app=celery_app, lazy=True,
                                   schedule_filename=str(tmp_path / "beat-schedule"))
    config = celery_app.conf.beat_schedule["outbox-dispatch"]
    assert config["task"] in celery_app.tasks  # registered: applied inline, not published
    entry = ScheduleEntry(name="outbox-dispatch", task=config["task"],
                          schedule=config["schedule"], app=celery_app)
    before = time.time()
    scheduler.apply_entry(entry)  # tasks run inline in tests: the real task runs
    run = last_beat_run()
    assert run["task"] == "crm.common.dispatch_outbox"
    assert before <= run["at"] <= time.time()


def test_the_admin_home_shows_the_last_beat_run(org, web, with_broker):
    cache.set(BEAT_HEARTBEAT_KEY, {"at": time.time() - 30, "task": "crm.common.dispatch_outbox"},
              600)
    line = _line(web(org.admin).get("/").content.decode(), "Last beat run")
    assert line.startswith("Last beat run ok ·")
    assert "sent “crm.common.dispatch_outbox”" in line

    cache.set(BEAT_HEARTBEAT_KEY, {"at": time.time() - 3600, "task": "x"}, 600)
    assert _line(web(org.admin).get("/").content.decode(), "Last beat run").startswith(
        "Last beat run stale ·")

    cache.delete(BEAT_HEARTBEAT_KEY)
    assert _line(web(org.admin).get("/").content.decode(), "Last beat run").startswith(
        "Last beat run never")


def test_without_a_broker_the_line_says_scheduled_tasks_do_not_run(org, web):
    line = _line(web(org.admin).get("/").content.decode(), "Last beat run")
    assert line.startswith("Last beat run inline")
