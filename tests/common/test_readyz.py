"""/readyz/ answers 200 when every dependency answers, 503 naming the one that does not;
/healthz/ stays a plain liveness check."""

import time

import pytest
from django.core.cache import cache

from crm.celery import app as celery_app
from crm.common.heartbeat import HEARTBEAT_KEY, write_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_broker():
    """Celery publishing to the real broker (tests run tasks inline by default)."""
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True


def test_inline_tasks_need_no_worker_and_the_site_is_ready(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {
        "database": "ok", "redis": "ok", "broker": "inline", "worker": "inline"}}


def test_ready_when_a_worker_beat_recently(client, with_broker):
    write_heartbeat("worker@test")
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok", "redis": "ok", "broker": "ok", "worker": "ok"}


def test_a_worker_that_never_beat_makes_the_site_unready(client, with_broker):
    cache.delete(HEARTBEAT_KEY)
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert (body["code"], body["down"], body["checks"]["worker"]) == (
        "service_unavailable", ["worker"], "missing")


def test_a_stale_heartbeat_means_the_worker_is_down(client, with_broker, settings):
    settings.CRM_WORKER_HEARTBEAT_STALE_SECONDS = 60
    cache.set(HEARTBEAT_KEY, {"at": time.time() - 61, "hostname": "worker@gone"}, 300)
    response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "stale"


def test_liveness_does_not_depend_on_the_worker(client, with_broker):
    cache.delete(HEARTBEAT_KEY)
    assert client.get("/healthz/").content == b"ok"


def test_the_embedded_default_without_redis_is_ready(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok", "redis": "local", "broker": "inline", "worker": "inline"}
