"""The Celery worker's heartbeat, read by `/readyz/`, and beat's (the admin's home).

Each worker process writes `{"at": <unix time>, "hostname": ...}` to the cache every
`CRM_WORKER_HEARTBEAT_SECONDS` from a thread of its own (so a long task does not make a healthy
worker look dead); `/readyz/` calls the worker down when the newest beat is older than
`CRM_WORKER_HEARTBEAT_STALE_SECONDS`. A killed worker stops beating and goes stale by itself.

This module is imported by `crm/celery.py` before Django is set up: Django is imported lazily.
"""

import logging
import threading
import time

from celery import bootsteps
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)
HEARTBEAT_KEY = "crm:worker-heartbeat"


def write_heartbeat(hostname: str) -> None:
    from django.conf import settings
    from django.core.cache import cache

    cache.set(HEARTBEAT_KEY, {"at": time.time(), "hostname": hostname},
              settings.CRM_WORKER_HEARTBEAT_STALE_SECONDS * 2)


def last_heartbeat() -> dict | None:
    from django.core.cache import cache

    return cache.get(HEARTBEAT_KEY)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep: a daemon thread beating while the worker runs."""

    label = "crm-heartbeat"

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, worker):
        from django.conf import settings

        interval = settings.CRM_WORKER_HEARTBEAT_SECONDS
        hostname = getattr(worker, "hostname", "") or "worker"

        def beat():
            while not self._stop.is_set():
                try:
                    write_heartbeat(hostname)
                except Exception:  # the cache fails open; anything else must not kill the loop
                    logger.exception("worker heartbeat not written")
                self._stop.wait(interval)

        self._stop.clear()
        self._thread = threading.Thread(target=beat, name="crm-heartbeat", daemon=True)
        self._thread.start()

    def stop(self, worker):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    shutdown = stop


# --- Celery beat ------------------------------------------------------------------------------
# Beat records each run (a scheduled task it sends) so the admin's home can say when beat last
# ran; a stopped beat simply stops updating it.
BEAT_HEARTBEAT_KEY = "crm:beat-heartbeat"
BEAT_HEARTBEAT_TTL = 7 * 24 * 3600


def write_beat_heartbeat(task: str) -> None:
    from django.core.cache import cache

    cache.set(BEAT_HEARTBEAT_KEY, {"at": time.time(), "task": task}, BEAT_HEARTBEAT_TTL)


def last_beat_run() -> dict | None:
    from django.core.cache import cache

    return cache.get(BEAT_HEARTBEAT_KEY)


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's default scheduler, recording a heartbeat each time it sends a due task
    (`CELERY_BEAT_SCHEDULER`)."""

    def apply_entry(self, entry, producer=None):
        super().apply_entry(entry, producer=producer)
        try:
            write_beat_heartbeat(entry.task)
        except Exception:  # the cache fails open; anything else must not stop beat
            logger.exception("beat heartbeat not written")
