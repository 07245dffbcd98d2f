"""Filters shared by every FilterSet (API and list pages)."""

import django_filters

from .forms import StorableIsoDateTimeField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`created_after=...` and the like: ISO 8601, refused with a field error (400) when
    PostgreSQL could not hold it (UTC offset beyond +-15:59, a year outside 1..9999)."""

    field_class = StorableIsoDateTimeField
