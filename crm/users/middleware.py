"""Apply the signed-in user's language and time zone to the request (issue 16).

Runs after AuthenticationMiddleware. LocaleMiddleware has already picked a language from the
language cookie or Accept-Language; a user who chose a language on the profile page gets that
one instead, and their time zone (else the server's TIME_ZONE) for every date shown.
API calls authenticated by token (crm.users.authentication) get the user's language too unless
they send Accept-Language; API timestamps stay in the server's time zone.
"""

import zoneinfo
from functools import lru_cache

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject


@lru_cache(maxsize=64)
def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def supported_language(code: str) -> str | None:
    return code if code in dict(settings.LANGUAGES) else None


def activate_user_language(user, request) -> None:
    """The user's chosen language for this request (nothing when they chose none)."""
    language = supported_language(getattr(user, "language", "") or "")
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            activate_user_language(user, request)
            zone = _zone(getattr(user, "time_zone", "") or "")
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# --- the signed-in user from the cache (issue 17) ------------------------------------------

_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_USER_TABLES = ("users_user", "users_team", "auth_group", "auth_group_permissions",
                "auth_permission", "users_user_groups", "users_user_user_permissions")
USER_CACHE_SECONDS = 300


def cached_get_user(request):
    """`django.contrib.auth.get_user` without its query on most requests: the user row as
    loaded by ModelBackend, cached under the versions of the user, team, group and permission
    tables (crm.common.versions): any write to them (a deactivation, a role, team or
    permission change, a new password) is seen by the next request. The session's auth hash
    is checked against the cached row as Django does; anything unusual (another backend, a
    hash that needs the fallback keys, the cache down) takes Django's own path."""
    from django.contrib import auth
    from django.core.cache import cache
    from django.utils.crypto import constant_time_compare

    from crm.common import versions

    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if (user_id is None or not session_hash
            or session.get(auth.BACKEND_SESSION_KEY) != _MODEL_BACKEND
            or _MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS):
        return auth.get_user(request)
    table_versions = versions.table_versions(_USER_TABLES)
    if table_versions is None:  # first use: give every table a version, then read them
        for table in _USER_TABLES:
            versions.table_version(table)
        table_versions = versions.table_versions(_USER_TABLES)
        if table_versions is None:  # the cache is down: Django's own way
            return auth.get_user(request)
    key = "authuser:{}:{}".format(user_id, ",".join(str(table_versions[t])
                                                    for t in _USER_TABLES))
    user = versions._safe(lambda: cache.get(key))
    if user is None:
        user = auth.get_user(request)
        if user.is_authenticated and str(user.pk) == str(user_id):
            versions._safe(lambda: cache.set(key, user, USER_CACHE_SECONDS))
        return user
    if not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return auth.get_user(request)  # fallback keys, or a session to end: Django decides
    user.backend = _MODEL_BACKEND
    return user


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """AuthenticationMiddleware with the user from `cached_get_user`."""

    def process_request(self, request):
        if not hasattr(request, "session"):
            return super().process_request(request)  # its error message
        request.user = SimpleLazyObject(lambda: cached_get_user(request))

        async def auser():
            return await sync_to_async(cached_get_user)(request)

        request.auser = auser
        return None
