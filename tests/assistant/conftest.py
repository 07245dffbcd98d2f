from datetime import UTC, datetime

import pytest
import time_machine

from crm.assistant import engine
from crm.assistant.models import Card
from crm.celery import app as celery_app

# A Monday at 10:00 UTC (the test settings' time zone is UTC).
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _inline_celery():
    """Run tasks inline. The app reads its settings with the CELERY namespace, so the namespaced
    key is the one that takes effect (`conf.task_always_eager` alone is ignored)."""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture
def clock():
    """A frozen clock that tests move with `clock.move_to(...)`."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def scan():
    """`scan(**kw)` runs the scan and returns the cards as (user, kind, record_id, due) tuples."""

    def run(**kwargs):
        engine.scan(**kwargs)
        return cards()

    return run


def cards(**filters):
    return sorted(
        (c.user.username, c.kind, c.record_id, c.due_date.isoformat())
        for c in Card.objects.filter(**filters).select_related("user")
    )
