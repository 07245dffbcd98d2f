"""Reads that tolerate seconds of lag go to a PostgreSQL read replica (`DATABASE_REPLICA_URL`).

Dashboards, the forecast grid, exports and the assistant's full scan run inside
`on_replica(...)` (or the `reading_from_replica()` block); everything else, every write and the
pages that must show a save at once (a record right after it was saved), stays on the primary.
Without a replica configured the block changes nothing.

A replica that is down never breaks a page: `on_replica` runs the work again on the primary
when the replica cannot be reached, and remembers for `CRM_REPLICA_RETRY_SECONDS` that it is
down so the next requests do not wait for a connection timeout. `replica_lag()` says how far
behind the replica is; the dashboards turn it into the "figures as of" time they show.
"""

from __future__ import annotations

import contextvars
import logging
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

REPLICA = "replica"
_reading = contextvars.ContextVar("crm_read_replica", default=False)
_down_until: dict[str, float] = {}


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_available() -> bool:
    """Configured and not known to be down (a failure is remembered for a few seconds)."""
    return replica_configured() and _down_until.get(REPLICA, 0.0) <= time.monotonic()


def mark_replica_down(exc: BaseException | None = None) -> None:
    retry = float(getattr(settings, "CRM_REPLICA_RETRY_SECONDS", 10))
    _down_until[REPLICA] = time.monotonic() + retry
    logger.warning("read replica unavailable, reading from the primary for %ss: %s", retry, exc)
    try:
        connections[REPLICA].close()
    except Exception:  # noqa: BLE001 - a broken connection may fail to close
        pass


def mark_replica_up() -> None:
    _down_until.pop(REPLICA, None)


@contextmanager
def reading_from_replica():
    """Inside: reads of every model go to the replica when one is configured and up."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def read_alias() -> str:
    """The alias a lag-tolerant read uses right now."""
    return REPLICA if _reading.get() and replica_available() else DEFAULT_DB_ALIAS


def on_replica(work, *args, **kwargs):
    """Run `work(*args, **kwargs)` reading from the replica; (result, as_of).

    `as_of` is the moment the data read reflects: now on the primary, now minus the replay lag
    on the replica. When the replica cannot be reached the work runs again on the primary."""
    if not replica_available():
        return work(*args, **kwargs), timezone.now()
    try:
        lag = replica_lag()
        with reading_from_replica():
            result = work(*args, **kwargs)
    except (OperationalError, InterfaceError) as exc:
        if not _failed_on_replica(exc):
            raise
        mark_replica_down(exc)
        return work(*args, **kwargs), timezone.now()
    return result, timezone.now() - (lag or timedelta(0))


def _failed_on_replica(exc: BaseException) -> bool:
    """Whether the error came from the replica connection (not a primary-side failure)."""
    try:
        connection = connections[REPLICA]
    except Exception:  # noqa: BLE001
        return False
    if connection.connection is None or getattr(connection.connection, "closed", 0):
        return True
    try:
        return not connection.is_usable()
    except Exception:  # noqa: BLE001
        return True


def replica_lag() -> timedelta | None:
    """How far the replica's data is behind the primary (None without a replica).

    Zero when it has replayed everything it received; otherwise the age of the last replayed
    transaction. Raises OperationalError when the replica cannot be reached."""
    if not replica_configured():
        return None
    connection = connections[REPLICA]
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery()"
            " OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()))"
            " END"
        )
        seconds = cursor.fetchone()[0] or 0
    return timedelta(seconds=float(seconds))


def data_as_of() -> datetime:
    """The freshness of a read made now through `read_alias()`."""
    if read_alias() != REPLICA:
        return timezone.now()
    return timezone.now() - (replica_lag() or timedelta(0))


class ReplicaRouter:
    """Lag-tolerant reads (inside `reading_from_replica`) to the replica, all else primary."""

    def db_for_read(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db  # related objects of a replica row come from there too
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
