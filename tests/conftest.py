import os
from dataclasses import dataclass
from importlib import import_module

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from kombu.asynchronous import set_event_loop
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.celery import app as celery_app
from crm.common.cache import outages
from crm.users.models import Role

from .factories import TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _db_order(item) -> int:
    """pytest-django's groups: plain database tests, transactional ones, then no database."""
    marker = item.get_closest_marker("django_db")
    kwargs = marker.kwargs if marker else {}
    fixtures = getattr(item, "fixturenames", [])
    transactional = bool(kwargs.get("transaction") or kwargs.get("reset_sequences")
                         or "transactional_db" in fixtures or "live_server" in fixtures)
    return 1 if transactional else 0 if (marker or "db" in fixtures) else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """After pytest-randomly's shuffle, put the tests back into pytest-django's groups; the
    sort is stable, so the order within each group stays the seed's."""
    items.sort(key=_db_order)


@pytest.fixture(autouse=True)
def _isolate_side_effects(settings, tmp_path):
    """Inline Celery (unless a test starts a worker), a clean cache, media in a temp dir."""
    # A fast hasher in tests: the default PBKDF2 costs ~0.3 s per user on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Whole list pages from the cache are on in tests/common/test_pagecache.py; elsewhere a
    # test reads each response's context and counts the queries of the page being built.
    settings.CRM_PAGE_CACHE_SECONDS = 0
    # The app reads Django settings under the CELERY_ namespace, so the namespaced keys are
    # the ones that count (setting `conf.task_always_eager` would be silently ignored).
    previous = celery_app.conf.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    celery_app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    outages.reset()  # a cache/broker outage simulated by one test must not leak into the next
    # An in-process test worker (celery.contrib.testing) leaves its event loop as kombu's global
    # one; the next test's worker would reuse it, with the old worker's timer, and never run a
    # task with an ETA (a retry's countdown). Every test starts without one.
    set_event_loop(None)
    # A request activates its user's language and time zone in this thread (crm.users.middleware)
    # and nothing deactivates them: the next test would read German messages or another zone.
    translation.deactivate()
    timezone.deactivate()
    cache.clear()
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous
    cache.clear()


_TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


def seed_process_defaults() -> None:
    """Put the PROCESS.md stage steps and stage settings back when the table is empty.

    The one home of that data is the data migration (opportunities 0002), which a transactional
    test's flush wipes; its own `seed` function runs here against the current models."""
    from django.apps import apps

    from opportunities.models import StageStep

    if not StageStep.objects.exists():
        import_module("opportunities.migrations.0002_seed_stage_steps").seed(apps, None)


@pytest.fixture(autouse=True)
def _process_defaults(request):
    """Every test that uses the database starts with the default stage steps, whatever ran
    before it (tests pass in any order; no `serialized_rollback` needed for them)."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not names & ({"db"} | _TRANSACTIONAL_FIXTURES):
        return
    kwargs = marker.kwargs if marker else {}
    transactional = bool(kwargs.get("transaction") or kwargs.get("reset_sequences")
                         or names & _TRANSACTIONAL_FIXTURES)
    request.getfixturevalue("transactional_db" if transactional else "db")
    seed_process_defaults()


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
