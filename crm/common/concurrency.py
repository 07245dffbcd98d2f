"""`If-Match` as one atomic step (API.md, Concurrency), for every resource.

A write carrying `If-Match` runs in one transaction (`dispatch_atomically`), and the version is
compared with the row locked (`check_version_locked`): of N concurrent requests holding the same
ETag, the first to take the lock writes and commits, the others then read the new version and
answer 412. Reading the version before the lock (as a plain `instance.version` compare does)
lets two requests both see the old version and both write: the lost update this prevents.
"""

from django.db import connection, transaction

from .errors import PreconditionFailed

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def if_match_tags(request) -> set[str] | None:
    """The entity tags `If-Match` names, without `W/` (None: no header, or `*`)."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header or header == "*":
        return None
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _matches(tags: set[str], version) -> bool:
    return f'"{version}"' in tags or str(version) in tags


def needs_atomic(request) -> bool:
    return request.method in UNSAFE_METHODS and if_match_tags(request) is not None


def dispatch_atomically(dispatch, request, *args, **kwargs):
    """Run a DRF `dispatch` in one transaction when it is a write with `If-Match`, so the
    version check (`check_version_locked`) and the write commit together. An error answered by DRF's exception
    handling (which does not reach the `atomic` block as an exception) still rolls back."""
    if not needs_atomic(request):
        return dispatch(request, *args, **kwargs)
    with transaction.atomic():
        response = dispatch(request, *args, **kwargs)
        if getattr(response, "exception", False) or response.status_code >= 400:
            transaction.set_rollback(True)
    return response


def check_version_locked(instance, tags: set[str] | None) -> None:
    """412 unless `instance`'s row, locked until the request's transaction ends, still has a
    version `tags` names. The instance must also be the version it was read at: a write from
    a stale read would undo the change made meanwhile."""
    if tags is None:
        return
    model = type(instance)
    has_version = any(f.name == "version" for f in model._meta.concrete_fields)
    if not has_version:
        if getattr(instance, "etag", None) not in tags:
            raise PreconditionFailed()
        return
    rows = model._base_manager.filter(pk=instance.pk)
    if connection.in_atomic_block:
        rows = rows.select_for_update()
    current = rows.values_list("version", flat=True).first()
    if current is None or not _matches(tags, current) or current != instance.version:
        raise PreconditionFailed()


__all__ = ["check_version_locked", "dispatch_atomically", "if_match_tags", "needs_atomic"]
