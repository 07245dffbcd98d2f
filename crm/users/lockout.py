"""Login lockout hooks for django-axes: the client address and the lockout page."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LOCKOUT_TEMPLATE = "registration/lockout.html"


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address
    the outermost trusted proxy saw (counted from the right of X-Forwarded-For, because the
    left part is whatever the client sent)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_response(request, original_response=None, credentials=None):
    """The 429 page a locked-out login gets, with the time the lockout ends."""
    seconds = cool_off_seconds()
    response = render(request, LOCKOUT_TEMPLATE, {
        "retry_at": timezone.now() + settings.AXES_COOLOFF_TIME,
        "minutes": max(1, round(seconds / 60)),
    }, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LoginLockoutMixin:
    """For DRF views that log in with a password (`auth/token/`): once django-axes locks the
    username or address out, answer 429 `rate_limited` with `Retry-After` instead of 400."""

    def post(self, request, *args, **kwargs):
        from rest_framework.exceptions import Throttled, ValidationError

        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise Throttled(wait=cool_off_seconds(), detail=str(_(
                    "Too many failed logins: logging in is blocked for a while."))) from None
            raise
