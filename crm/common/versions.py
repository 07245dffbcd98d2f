"""A version per table, kept in the cache, for cache keys of derived data (issue 17).

`table_version("users.User")` is part of the key of anything computed from that table (the
owner filter's choices, a list page's totals); saving or deleting a row of a watched model
bumps it, so the next request computes afresh. Writes that bypass signals (bulk updates,
COPY) are covered by the short lifetime every such entry has anyway. With the cache down
(FailOpenRedisCache) every read misses and pages compute as before.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

_PREFIX = "tblver:"
_watched: set[str] = set()


def _safe(call, default=None):
    """A cache call that never fails the request (also with a stock, non fail-open cache)."""
    try:
        return call()
    except Exception:  # noqa: BLE001 - an optimisation must not turn into a 500
        return default


def table_version(label: str) -> int:
    version = _safe(lambda: cache.get(_PREFIX + label))
    if version is None:
        version = 1
        _safe(lambda: cache.add(_PREFIX + label, version, None))
    return version


def bump(label: str) -> None:
    try:
        cache.incr(_PREFIX + label)
    except ValueError:  # not set yet: the next read starts afresh
        _safe(lambda: cache.set(_PREFIX + label, 2, None))
    except Exception:  # noqa: BLE001 - the cache is down: entries expire on their own
        pass


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
    versions = ",".join(str(table_version(t)) for t in tables)
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

    from .visibility import readable_owner_ids

    ids = readable_owner_ids(user)
    scope = "all" if ids is None else ",".join(map(str, sorted(ids)))
    query = "&".join(f"{k}={v}" for k, v in sorted(
        (k, v) for k in params for v in params.getlist(k) if k not in ignore))
    digest = hashlib.md5(f"{scope}|{query}".encode(), usedforsecurity=False).hexdigest()
    return cached(f"scoped:{name}:{digest}", compute, tables=tables, timeout=timeout)
