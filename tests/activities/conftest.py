import pytest

from crm.activities import aggregation
from crm.activities.models import TimelineEntry
from crm.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery():
    """Run queued tasks inline. (Celery reads this app's settings under the CELERY_ namespace,
    so `conf.task_always_eager = True` alone does not take effect.)"""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit work (the queued aggregation tasks, inline) of a block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def timeline():
    """`timeline("account", id)` -> [(kind, subject or action, is_rollup)] newest first."""

    def read(record_type, record_id):
        rows = TimelineEntry.objects.filter(record_type=record_type, record_id=record_id) \
            .select_related("activity", "event").order_by("-occurred_at", "-id")
        return [(e.kind, e.activity.subject if e.activity_id else e.event.action, e.is_rollup)
                for e in rows]

    return read


@pytest.fixture
def snapshot():
    """Everything the aggregation maintains, to prove a re-run changes nothing."""

    def take():
        from crm.customers.models import Account, Contact

        entries = sorted(TimelineEntry.objects.values_list(
            "id", "record_type", "record_id", "activity_id", "event_id", "occurred_at",
            "is_open", "is_rollup", "activity_owner_id", "source_owner_id", "source_label"))
        rollups = sorted(Account.objects.values_list("id", "last_activity_at",
                                                     "open_activity_count", "version"))
        rollups += sorted(Contact.objects.values_list("id", "last_activity_at",
                                                      "open_activity_count", "version"))
        return entries, rollups

    return take


@pytest.fixture
def catch_up():
    return aggregation.catch_up

