"""The checks behind `/readyz/`: each answers "ok" (or "inline"/"local" for the embedded
default) or a short word saying what is wrong. Details go to the log, not to the public answer."""

import logging
import time

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from .heartbeat import last_heartbeat

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        logger.warning("readiness: database unavailable: %s", exc)
        return "down"
    return "ok"


def check_redis() -> str:
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "local"  # no REDIS_URL: an in-process cache, nothing to reach
    try:
        ping()
    except Exception as exc:
        logger.warning("readiness: redis unavailable: %s", exc)
        return "down"
    return "ok"


def _eager() -> bool:
    return bool(current_app.conf.CELERY_TASK_ALWAYS_EAGER)


def check_broker() -> str:
    if _eager():
        return "inline"
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   interval_max=0, timeout=2)
            conn.default_channel  # the Redis transport talks to the server here  # noqa: B018
    except Exception as exc:
        logger.warning("readiness: broker unavailable: %s", exc)
        return "down"
    return "ok"


def check_worker() -> str:
    if _eager():
        return "inline"
    beat = last_heartbeat()
    if not beat:
        return "missing"
    age = time.time() - float(beat.get("at", 0))
    return "ok" if age <= settings.CRM_WORKER_HEARTBEAT_STALE_SECONDS else "stale"


def run_checks() -> dict[str, str]:
    return {
        "database": check_database(),
        "redis": check_redis(),
        "broker": check_broker(),
        "worker": check_worker(),
    }
