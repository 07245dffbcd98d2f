"""A version per table, kept in the cache, for cache keys of derived data (issue 17).

`table_version("users.User")` (or the table's name, "users_user") is part of the key of
anything computed from that table (the owner filter's choices, a list page's totals, a whole
list page: crm.common.pagecache). Every write to a table bumps its version: a database
execute wrapper (`track_writes`, installed on every connection) reads the statement
(INSERT / UPDATE / DELETE / TRUNCATE / COPY, also inside a WITH), so saves, deletes,
cascades, m2m changes, queryset update()/delete(), bulk_create()/bulk_update() and raw SQL
all count, in web requests, Celery tasks and management commands alike. In a transaction the
version is bumped at the first write to a table and again on commit (a page computed between
the two from the old rows gets a version that the commit leaves behind). COPY through the
driver's own cursor (the lead import) bypasses the wrapper and calls `wrote()` itself.
With the cache down (FailOpenRedisCache) every read misses and pages compute as before.
"""

import re
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from .visibility import readable_owner_ids

_PREFIX = "tblver:"
_watched: set[str] = set()


def _safe(call, default=None):
    """A cache call that never fails the request (also with a stock, non fail-open cache)."""
    try:
        return call()
    except Exception:  # noqa: BLE001 - an optimisation must not turn into a 500
        return default


_tables: dict[str, str] = {}
# the tables a computation read (see `recording`): None outside of one
_recording: ContextVar[set[str] | None] = ContextVar("tblver_recording", default=None)


def table_of(name: str) -> str:
    """The database table of "app.Model" (a table's name is returned as it is)."""
    table = _tables.get(name)
    if table is None:
        if "." in name:
            from django.apps import apps

            try:
                table = apps.get_model(name)._meta.db_table
            except LookupError:  # not a model: the name itself is the key
                table = name
        else:
            table = name
        _tables[name] = table
    return table


def _fresh_version() -> int:
    """A new table's first version: microseconds, so a version key lost from the cache (an
    eviction) never starts again at a value an older entry was stored under."""
    return time.time_ns() // 1000


# Bumped whenever this process reads versions: a transaction's later writes to a table it
# already bumped bump it again at once only if something read versions in between (a page
# built on the same connection sees the uncommitted rows; a loop of saves costs one bump).
_reads = [0]


def note_read() -> None:
    _reads[0] += 1


def table_version(name: str) -> int:
    table = table_of(name)
    _reads[0] += 1
    recorded = _recording.get()
    if recorded is not None:
        recorded.add(table)
    version = _safe(lambda: cache.get(_PREFIX + table))
    if version is None:
        version = _fresh_version()
        if not _safe(lambda: cache.add(_PREFIX + table, version, None), False):
            version = _safe(lambda: cache.get(_PREFIX + table)) or version
    return version


def table_versions(tables) -> dict[str, int] | None:
    """{table: version} of the tables in one cache round trip; None when one has none yet
    (or the cache is down): the caller computes afresh."""
    keys = {_PREFIX + t: t for t in tables}
    _reads[0] += 1
    found = _safe(lambda: cache.get_many(list(keys)), {})
    if len(found) != len(keys):
        return None
    return {keys[k]: v for k, v in found.items()}


def bump(name: str) -> None:
    table = table_of(name)
    try:
        cache.incr(_PREFIX + table)
    except ValueError:  # not set yet: start afresh, above anything an old entry could hold
        _safe(lambda: cache.set(_PREFIX + table, _fresh_version(), None))
    except Exception:  # noqa: BLE001 - the cache is down: entries expire on their own
        pass


@contextmanager
def recording():
    """Collect the tables whose versions a computation reads (`table_version`), and with
    `read_tables` those its SQL reads: the set is yielded."""
    tables: set[str] = set()
    token = _recording.set(tables)
    try:
        yield tables
    finally:
        _recording.reset(token)


_READ_RE = re.compile(r'(?:\bFROM|\bJOIN)\s+"([A-Za-z_][\w$]*)"', re.IGNORECASE)


def read_tables(tables: set[str]):
    """An execute wrapper adding the tables each statement reads to `tables`."""
    def wrapper(execute, sql, params, many, context):
        if isinstance(sql, str):
            tables.update(_READ_RE.findall(sql))
        return execute(sql, params, many, context)
    return wrapper


# --- writes ---------------------------------------------------------------------------------

_WRITE_RE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+(?:ONLY\s+)?"?([A-Za-z_][\w$]*)"?',
    re.IGNORECASE)
_CTE_WRITE_RE = re.compile(
    r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?"?([A-Za-z_][\w$]*)"?',
    re.IGNORECASE)
_TRUNCATE_NAME_RE = re.compile(r'"?([A-Za-z_][\w$]*)"?')
_NOT_TABLES = frozenset({"of", "set", "only", "table", "nowait", "skip", "restart",
                         "continue", "cascade", "restrict", "identity"})


def written_tables(sql) -> tuple[str, ...]:
    """The tables a statement writes ("" for reads, which are nearly all of them)."""
    if not isinstance(sql, str):
        return ()
    head = sql[:12].lstrip()[:1].upper()
    if not head or head not in "IUDCTW":  # SELECT, SAVEPOINT, SET, RELEASE, ...
        return ()
    if head == "W":  # WITH ... a write in a common table expression
        names = _CTE_WRITE_RE.findall(sql)
    elif head == "T":
        body = re.sub(r"^\s*TRUNCATE\s+(TABLE\s+)?", "", sql, flags=re.IGNORECASE)
        if body == sql:
            return ()
        names = _TRUNCATE_NAME_RE.findall(body.split(";")[0])
    else:
        match = _WRITE_RE.match(sql)
        if match is None:
            return ()
        if head == "C" and " FROM " not in sql.upper():
            return ()  # COPY ... TO (an export) reads
        names = [match.group(1)]
    return tuple(n for n in names if n.lower() not in _NOT_TABLES)


class _Pending:
    """The tables a transaction wrote, bumped again when it commits."""

    def __init__(self, tables: dict[str, int]):
        self.tables = tables  # table -> `_reads` when it was last bumped at once
        self.done = False
        self.callback = self.flush  # one bound method, to find it among the callbacks

    def flush(self) -> None:
        self.done = True
        for table in self.tables:
            bump(table)


def wrote(tables, connection=None) -> None:
    """Bump the versions of `tables` now and, in a transaction, again when it commits."""
    if connection is None:
        from django.db import connection
    if not connection.in_atomic_block:
        for table in tables:
            bump(table)
        return
    pending = getattr(connection, "_tblver_pending", None)
    if pending is None or pending.done or not any(
            callback is pending.callback for _sids, callback, _robust in connection.run_on_commit):
        # a new transaction (the last one committed, or rolled back and took its callback
        # along; a callback registered inside a savepoint that was rolled back goes with it,
        # and so did the writes it was for)
        pending = connection._tblver_pending = _Pending({})
        connection.on_commit(pending.callback)
    for table in tables:
        if pending.tables.get(table) != _reads[0]:
            bump(table)
            pending.tables[table] = _reads[0]


def track_writes(execute, sql, params, many, context):
    """The execute wrapper that bumps the versions of the tables a statement wrote."""
    result = execute(sql, params, many, context)
    tables = written_tables(sql)
    if tables:
        wrote(tables, context["connection"])
    return result


def install_write_tracking(sender=None, connection=None, **kwargs) -> None:
    """`connection_created` receiver: every connection tracks its writes (once)."""
    if connection is not None and track_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(track_writes)


def watch(model) -> None:
    """Bump the model's table version on every save and delete of one of its rows."""
    label = model._meta.label
    if label in _watched:
        return
    _watched.add(label)

    def changed(sender, **kwargs):
        bump(label)

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"tblver-save-{label}")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"tblver-del-{label}")


def cached(key: str, compute, *, tables=(), timeout: int = 600):
    """`compute()` cached under `key` and the versions of `tables`: a save to a row of any of
    them makes the next read compute afresh. `compute` must not return None."""
    found = table_versions([table_of(t) for t in tables]) if tables else {}
    if found is None:  # a table without a version yet (or the cache down): one by one
        found = {table_of(t): table_version(t) for t in tables}
    else:
        recorded = _recording.get()
        if recorded is not None:
            recorded.update(found)
    versions = ",".join(str(found[table_of(t)]) for t in tables)
    full_key = f"{key}|{versions}"
    value = _safe(lambda: cache.get(full_key))
    if value is None:
        value = compute()
        _safe(lambda: cache.set(full_key, value, timeout))
    return value


def cached_for_scope(name: str, user, params, compute, *, tables, timeout: int = 60,
                     ignore=("page", "sort")):
    """`compute()` cached per viewer scope (the owners the user may read), query parameters
    and versions of `tables`: e.g. a list page's totals over the team's records, which
    take longer than the page itself and change only when a record does."""
    import hashlib


    ids = readable_owner_ids(user)
    scope = "all" if ids is None else ",".join(map(str, sorted(ids)))
    query = "&".join(f"{k}={v}" for k, v in sorted(
        (k, v) for k in params for v in params.getlist(k) if k not in ignore))
    digest = hashlib.md5(f"{scope}|{query}".encode(), usedforsecurity=False).hexdigest()
    return cached(f"scoped:{name}:{digest}", compute, tables=tables, timeout=timeout)
