"""Redis dies (kill -9) under a running site: the API, token login and web-to-lead keep answering
2xx, /readyz/ says Redis is down, and the work queued meanwhile runs once after Redis is back."""

import logging
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db.models import Count
from kombu import pools as kombu_pools

from crm.activities.models import Event, TimelineEntry
from crm.celery import app as celery_app
from crm.common.cache import outages
from crm.common.models import OutboxMessage
from crm.common.tasks import dispatch_outbox
from leads.models import Lead
from tests.factories import PASSWORD
from tests.leads.factories import LeadFactory, WebFormFactory

from .redis_server import free_port, throwaway_redis  # noqa: F401  (fixture)

CELERY_KEYS = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")


def _reset_celery_connections() -> None:
    """Drop pooled broker connections so the next publish uses the current broker URL."""
    kombu_pools.reset()  # kombu keeps its pools per connection URL, process-wide
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def site_on_throwaway_redis(settings, throwaway_redis, transactional_db):  # noqa: F811
    """The cache and the Celery broker both on the test's own redis-server; Celery not eager,
    so a write really publishes (and falls back to the outbox while the broker is down)."""
    url = throwaway_redis.url(0)
    settings.CACHES = {"default": {
        "BACKEND": "crm.common.cache.FailOpenRedisCache", "LOCATION": url, "KEY_PREFIX": "t",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "retry_after": 0},
    }}
    settings.REDIS_URL = url
    saved = {key: getattr(celery_app.conf, key) for key in CELERY_KEYS}
    celery_app.conf.CELERY_BROKER_URL = url
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    _reset_celery_connections()
    outages.reset()
    yield throwaway_redis
    for key, value in saved.items():
        setattr(celery_app.conf, key, value)
    _reset_celery_connections()
    outages.reset()


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


VISITOR = {"first_name": "Regina", "last_name": "Murphy", "company": "Contoso",
           "email": "regina@contoso.example"}


class Collect(logging.Handler):
    """Kept on the logger itself: the worker's logging set-up would detach caplog's handler."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def count(self, text: str) -> int:
        return sum(text in message for message in self.messages)


@pytest.fixture
def cache_log():
    handler, logger = Collect(), logging.getLogger("crm.common.cache")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.celery_worker
def test_a_redis_outage_costs_no_request_and_the_queued_work_runs_once_it_is_back(
        site_on_throwaway_redis, org, api, client, cache_log):
    redis_server = site_on_throwaway_redis
    seller = api(org.sam)
    form = WebFormFactory(owner=org.sam)
    lead = LeadFactory(owner=org.sam)

    # Given a site whose throttles count in the running Redis
    assert seller.get("/api/v1/leads/").status_code == 200
    assert redis_server.client().keys("*throttle*"), "the API throttle does not use this Redis"
    ready = client.get("/readyz/").json()["checks"]
    assert (ready["database"], ready["redis"], ready["broker"]) == ("ok", "ok", "ok")

    # When Redis is killed
    redis_server.kill()
    OutboxMessage.objects.all().delete()

    # Then lists, writes, token login and web-to-lead are still served
    assert seller.get("/api/v1/leads/").status_code == 200
    created = seller.post("/api/v1/leads/", {"topic": "Seats", "last_name": "Outage"},
                          format="json")
    assert created.status_code == 201, created.content
    changed = seller.patch(f"/api/v1/leads/{lead.pk}/", {"topic": "Renamed in the outage"},
                           format="json")
    assert changed.status_code == 200, changed.content
    token = api().post("/api/v1/auth/token/", {"username": "sam", "password": PASSWORD},
                       format="json")
    assert token.status_code == 200, token.content
    posted = client.post(f"/w/leads/{form.token}/", VISITOR, HTTP_ACCEPT="application/json")
    assert posted.status_code == 201, posted.content
    assert Lead.objects.filter(last_name__in=["Outage", "Murphy"]).count() == 2
    # and so are the pages whose figures the cache normally keeps (the home dashboard)
    client.force_login(org.sam)
    assert client.get("/").status_code == 200
    client.logout()

    # And readiness names what is down, while liveness stays fine
    ready = client.get("/readyz/")
    assert ready.status_code == 503
    assert ready["Retry-After"]
    body = ready.json()
    assert body["code"] == "service_unavailable"
    assert {"redis", "broker"} <= set(body["down"])
    assert body["checks"]["database"] == "ok"
    assert client.get("/healthz/").status_code == 200

    # And the outage was logged once per dependency, not once per request
    assert cache_log.count("unavailable") == 2
    assert cache_log.count("cache redis://") == 1 and cache_log.count("Celery broker") == 1

    # And the background work of those writes waits in the outbox, not done yet
    queued = OutboxMessage.objects.count()
    assert queued >= 3
    pending_events = set(Event.objects.filter(timeline_synced=False).values_list("pk", flat=True))
    assert pending_events

    # When Redis comes back on the same port and a worker runs
    redis_server.start()  # the pooled broker connections are stale: they must recover alone
    queue = celery_app.conf.CELERY_TASK_DEFAULT_QUEUE
    with start_worker(celery_app, queues=[queue], pool="solo", perform_ping_check=False,
                      shutdown_timeout=10, loglevel="WARNING"):
        # the beat job that re-sends the outbox
        sent = dispatch_outbox()
        assert sent == queued, list(OutboxMessage.objects.values_list("last_error", flat=True))

        # Then the queued work is done
        assert _wait(lambda: not Event.objects.filter(pk__in=pending_events,
                                                      timeline_synced=False).exists(), 30)
        # Work those tasks queued in turn goes straight to the broker, or (within a few
        # seconds of the outage, while publishing still rests) to the outbox for the next beat
        assert _wait(lambda: dispatch_outbox() == 0 and not OutboxMessage.objects.exists(), 30)
        # and the site is ready again, worker heartbeat included
        assert _wait(lambda: client.get("/readyz/").status_code == 200, 30), \
            client.get("/readyz/").json()

    # And nothing was done twice: one timeline entry per event and record
    entries = (TimelineEntry.objects.filter(event_id__in=pending_events)
               .values("event_id", "record_type", "record_id", "is_rollup")
               .annotate(n=Count("id")))
    assert entries and all(row["n"] == 1 for row in entries)
    assert {row["event_id"] for row in entries} == pending_events
    assert cache_log.count("cache redis://127.0.0.1") == 2  # down, then "available again"


@pytest.fixture
def plain_cache_on_a_dead_port(settings):
    original = settings.CACHES
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    yield
    settings.CACHES = original  # before the suite's own clean-up clears the cache


def test_throttles_and_the_web_to_lead_limit_fail_open_on_a_plain_redis_cache_too(
        plain_cache_on_a_dead_port, org, api, client):
    """Defence in depth: even with Django's stock Redis backend (which raises when Redis is
    unreachable), the API throttles and the web-to-lead limit serve the request."""
    assert api(org.sam).get("/api/v1/leads/").status_code == 200
    token = api().post("/api/v1/auth/token/", {"username": "sam", "password": PASSWORD},
                       format="json")
    assert token.status_code == 200, token.content
    form = WebFormFactory(owner=org.sam)
    posted = client.post(f"/w/leads/{form.token}/", VISITOR, HTTP_ACCEPT="application/json")
    assert posted.status_code == 201, posted.content
