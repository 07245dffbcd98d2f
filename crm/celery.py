import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every worker beats into the cache so /readyz/ can tell a live worker from a dead one.
from crm.common.heartbeat import WorkerHeartbeat  # noqa: E402

app.steps["worker"].add(WorkerHeartbeat)
