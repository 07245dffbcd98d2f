import pytest

from crm.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The org fixture creates seven users; a cheap hasher keeps each test quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _inline_celery():
    """Run tasks inline. The app reads its settings with the CELERY_ namespace, so the
    namespaced key is the one that takes effect (`conf.task_always_eager` is ignored)."""
    before = (celery_app.conf.CELERY_TASK_ALWAYS_EAGER, celery_app.conf.CELERY_TASK_EAGER_PROPAGATES)
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER, celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = before
