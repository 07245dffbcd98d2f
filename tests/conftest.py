import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.celery import app as celery_app
from crm.users.models import Role

from .factories import TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def _isolate_side_effects(settings, tmp_path):
    """Inline Celery (unless a test starts a worker), a clean cache, media in a temp dir."""
    # A fast hasher in tests: the default PBKDF2 costs ~0.3 s per user on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The app reads Django settings under the CELERY_ namespace, so the namespaced keys are
    # the ones that count (setting `conf.task_always_eager` would be silently ignored).
    previous = celery_app.conf.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    cache.clear()
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous
    cache.clear()


@dataclass
class Org:
    """A small company: admin; manager Maria (East) over Sam and Sofia, and over manager Walt
    (West) who manages Tom. Olga is a seller in team North with no manager in common."""

    admin: object
    maria: object
    sam: object
    sofia: object
    walt: object
    tom: object
    olga: object


@pytest.fixture
def org(db) -> Org:
    east, west, north = (TeamFactory(name=n) for n in ("East", "West", "North"))
    admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    maria = UserFactory(username="maria", role=Role.MANAGER, team=east)
    sam = UserFactory(username="sam", team=east, manager=maria)
    sofia = UserFactory(username="sofia", team=east, manager=maria)
    walt = UserFactory(username="walt", role=Role.MANAGER, team=west, manager=maria)
    tom = UserFactory(username="tom", team=west, manager=walt)
    olga = UserFactory(username="olga", team=north)
    return Org(admin=admin, maria=maria, sam=sam, sofia=sofia, walt=walt, tom=tom, olga=olga)


@pytest.fixture
def api():
    """`api(user)` -> an APIClient authenticated with the user's token (None: anonymous)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def web(client):
    """`web(user)` -> the Django test client logged in as `user`."""

    def make(user):
        client.force_login(user)
        return client

    return make
