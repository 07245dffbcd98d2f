"""Speak to a user in their language and time zone outside a request (e-mails, PDFs made by
a task): the same preferences crm.users.middleware applies to their page views."""

from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation

from .middleware import _zone, supported_language


@contextmanager
def user_locale(user):
    """`with user_locale(user): render_to_string(...)` -> the user's language (else the
    default LANGUAGE_CODE) and time zone (else TIME_ZONE)."""
    language = supported_language(getattr(user, "language", "") or "") or settings.LANGUAGE_CODE
    zone = _zone(getattr(user, "time_zone", "") or "") or _zone(settings.TIME_ZONE)
    with translation.override(language), timezone.override(zone):
        yield
