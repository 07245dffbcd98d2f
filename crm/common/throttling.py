"""API throttles that fail open: a limit the cache cannot count is not enforced.

The rates and scopes are DRF's (`user`, `anon`, and `token` for `auth/token/`). The cache
backend already answers like an empty cache during an outage (crm.common.cache); these classes
also cover any other cache backend, so a throttle never turns a Redis outage into a 500.
"""

from rest_framework import throttling

from .cache import OUTAGE_ERRORS, outages


class FailOpenMixin:
    def allow_request(self, request, view):
        self.key = None  # set by DRF only when this request is counted in the cache
        try:
            allowed = super().allow_request(request, view)
        except OUTAGE_ERRORS as exc:
            outages.failed("API throttle cache", exc)
            return True
        if self.key is not None:
            outages.recovered("API throttle cache")
        return allowed


class UserRateThrottle(FailOpenMixin, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(FailOpenMixin, throttling.AnonRateThrottle):
    pass


class ScopedRateThrottle(FailOpenMixin, throttling.ScopedRateThrottle):
    pass
