"""Apply the signed-in user's language and time zone to the request (issue 16).

Runs after AuthenticationMiddleware. LocaleMiddleware has already picked a language from the
language cookie or Accept-Language; a user who chose a language on the profile page gets that
one instead, and their time zone (else the server's TIME_ZONE) for every date shown.
API calls authenticated by token (crm.users.authentication) get the user's language too unless
they send Accept-Language; API timestamps stay in the server's time zone.
"""

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.utils import timezone, translation


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
