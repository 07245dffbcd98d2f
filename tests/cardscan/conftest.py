import pytest

from crm.celery import app as celery_app


@pytest.fixture(autouse=True)
def _scan_inline():
    """Read cards inline unless a test starts a worker. The app reads its settings under the
    CELERY_ namespace, so the namespaced key is the one that takes effect."""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous
