"""Whole list pages (HTML) and API list pages (data) from the cache (issue 17).

A list page is a function of: who looks (the user: their scope, role, team, name in the top
bar; always keyed by user id, never by a coarser scope), the normalised query (filters, sort,
page or cursor, saved view, chosen columns), the language, the time zone, the moment (the
minute, for "3 minutes ago" and overdue marks; for API data the day) and the rows of every
table the page reads. The last part is a version per table (crm.common.versions): a miss
records the tables the page's SQL reads and the cached results it used, and the entry keeps
their versions as they were *before* the page was computed; any write to one of them since
then (any ORM write path, raw SQL, a Celery task, another user) makes the next request a
miss. Tables a page reads are learnt per page and process: the first miss that finds a table
the page had not read before does not store (its versions were not taken before it ran).

Per-request parts are not cached: the CSRF token is rendered as a placeholder and the
request's own token put in on every response; a page with flash messages is neither served
from nor stored in the cache; the notification bell's count is a "vary key" (its cache entry
must equal what it was when the page was stored, see `VARY_KEYS`).

The cost of a hit: the middleware, one cache read for the entry and one `get_many` for the
versions. With Redis down (FailOpenRedisCache) everything misses and pages render as before.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from . import versions

CSRF_PLACEHOLDER = "csrfPageCachePlaceholder0x7Tk"
_PREFIX = "pagecache:"
_VERSION_PREFIX = "tblver:"  # crm.common.versions' keys

# (request) -> a cache key whose value the page shows (the bell's unread count): registered by
# the apps that own such values, so this module imports none of them.
VARY_KEYS: list[Callable] = []

# Tables every page depends on: the viewer (name, role, team, permissions, active flag).
_ALWAYS: tuple[str, ...] = ()
# page name -> every table its renders have read in this process
_known: dict[str, frozenset[str]] = {}


def _always() -> tuple[str, ...]:
    global _ALWAYS
    if not _ALWAYS:
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        tables = {user_model._meta.db_table, "users_team", "auth_group",
                  "auth_group_permissions", "auth_permission"}
        tables.update(f.remote_field.through._meta.db_table
                      for f in user_model._meta.many_to_many)
        _ALWAYS = tuple(sorted(tables))
    return _ALWAYS


def enabled(request) -> bool:
    return (settings.CRM_PAGE_CACHE_SECONDS > 0 and request.method == "GET"
            and request.user.is_authenticated and not _has_messages(request))


def _has_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def page_key(request, name: str, *, html: bool) -> str:
    now = timezone.localtime()
    moment = now.strftime("%Y-%m-%dT%H:%M") if html else now.date().isoformat()
    query = "&".join(f"{k}={v}" for k, values in sorted(request.GET.lists()) for v in values)
    headers = request.headers
    parts = [
        name, str(request.user.pk), request.scheme, request.get_host(), request.path, query,
        get_language() or "", timezone.get_current_timezone_name(), moment,
        headers.get("HX-Request", ""), headers.get("HX-Target", ""),
        headers.get("HX-Boosted", ""), getattr(request, "accepted_media_type", "") or "",
    ]
    digest = hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{_PREFIX}{name}:{request.user.pk}:{digest}"


def _vary_keys(request) -> list[str]:
    return [hook(request) for hook in VARY_KEYS]


def _lookup(key: str, request):
    """The stored value if every table's version and every vary key are still as stored."""
    entry = versions._safe(lambda: cache.get(key))
    if entry is None:
        return None
    tables, stored_versions, vary, value = entry
    keys = [_VERSION_PREFIX + t for t in tables] + _vary_keys(request)
    versions.note_read()
    current = versions._safe(lambda: cache.get_many(keys), {})
    now = tuple(current.get(k) for k in keys)
    if None in now[: len(tables)] or now != tuple(stored_versions) + tuple(vary):
        return None
    return value


def _snapshot(name: str, request):
    """(tables, versions, vary values) before computing a page, or None (cache down)."""
    tables = tuple(sorted(_known.get(name, frozenset()) | set(_always())))
    keys = [_VERSION_PREFIX + t for t in tables]
    vary_keys = _vary_keys(request)
    versions.note_read()
    found = versions._safe(lambda: cache.get_many(keys + vary_keys), None)
    if found is None:
        return None
    table_versions = []
    for table, key in zip(tables, keys, strict=True):
        version = found.get(key)
        if version is None:
            version = versions.table_version(table)
        table_versions.append(version)
    return tables, tuple(table_versions), tuple(found.get(k) for k in vary_keys)


def _store(name: str, key: str, snapshot, used: set[str], value) -> None:
    tables, table_versions, vary = snapshot
    known = _known.get(name, frozenset())
    if not used <= known:
        _known[name] = known | used  # learnt now: the next miss stores
        return
    if not used <= set(tables):
        return
    versions._safe(lambda: cache.set(key, (tables, table_versions, vary, value),
                                      settings.CRM_PAGE_CACHE_SECONDS))


def serve_html(view, request, render: Callable):
    """The list page `render()` would build (a TemplateResponse), from the cache if it can."""
    if not enabled(request):
        return render()
    name = f"html:{type(view).__module__}.{type(view).__qualname__}"
    key = page_key(request, name, html=True)
    content = _lookup(key, request)
    if content is not None:
        body, content_type = content
        return HttpResponse(body.replace(CSRF_PLACEHOLDER, get_token(request)),
                            content_type=content_type)
    snapshot = _snapshot(name, request)
    outer = versions._recording.get() or set()  # read before (the saved view applied)
    with versions.recording() as used, connection.execute_wrapper(versions.read_tables(used)):
        response = render()
        if getattr(response, "context_data", None) is not None and not response.is_rendered:
            response.context_data["csrf_token"] = CSRF_PLACEHOLDER
            response.render()
    if response.status_code != 200 or not hasattr(response, "rendered_content"):
        return response
    used |= outer
    body = response.content.decode(response.charset)
    if snapshot is not None and not _has_messages(request) and CSRF_PLACEHOLDER in body:
        _store(name, key, snapshot, used, (body, response["Content-Type"]))
    response.content = body.replace(CSRF_PLACEHOLDER, get_token(request))
    return response


def _prerendered_response(body: bytes, content_type: str):
    """A DRF Response whose JSON was rendered when the page was stored (`data` decodes it
    for whoever reads it)."""
    import json

    from rest_framework.response import Response

    class Prerendered(Response):
        @property
        def data(self):
            return json.loads(body)

        @data.setter
        def data(self, value):
            pass  # the body is the data (Response.__init__ assigns None)

        @property
        def rendered_content(self):
            self["Content-Type"] = content_type
            return body

    return Prerendered()


def serve_data(view, request, compute: Callable):
    """An API list page (`compute()` returns a DRF Response), from the cache if it can: the
    JSON as rendered for the first request (other formats are not cached)."""
    renderer = getattr(request, "accepted_renderer", None)
    if not enabled(request) or getattr(renderer, "format", None) != "json":
        return compute()
    name = f"api:{type(view).__module__}.{type(view).__qualname__}"
    key = page_key(request, name, html=False)
    stored = _lookup(key, request)
    if stored is not None:
        return _prerendered_response(*stored)
    snapshot = _snapshot(name, request)
    outer = versions._recording.get() or set()
    with versions.recording() as used, connection.execute_wrapper(versions.read_tables(used)):
        response = compute()
    used |= outer
    if response.status_code == 200 and snapshot is not None and not response.exception:
        body = renderer.render(response.data, request.accepted_media_type,
                               view.get_renderer_context())
        content_type = f"{request.accepted_media_type}; charset={renderer.charset}" \
            if renderer.charset else request.accepted_media_type
        _store(name, key, snapshot, used, (bytes(body), content_type))
    return response
