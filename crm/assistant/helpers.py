"""Small date helpers the apps' rules share (local days, card wording with figures)."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from crm.activities.models import Activity
from crm.common.formatting import format_datetime, format_day

NOTHING = Q(pk__in=[])


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the server's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def fmt_date(day: date) -> str:
    """The date as every page shows it (crm.common.formatting.format_day): "Dec 7, 2026"."""
    return format_day(day)


def fmt_datetime(moment: datetime) -> str:
    """The absolute local date-time (a card's text is stored, so never relative)."""
    return format_datetime(moment)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def day_boundary(since: datetime, now: datetime, field: str) -> Q:
    """Records whose `field` (a datetime) falls on today, when today began since `since`."""
    today_start = day_start(local_date(now))
    if since >= today_start:
        return NOTHING
    return Q(**{f"{field}__gte": today_start, f"{field}__lt": today_start + timedelta(days=1)})


def date_crossed(field: str, since: datetime, now: datetime, *, offset_days: int = 0) -> Q:
    """Records whose date `field` + `offset_days` was reached between `since` and `now`
    (for a DateField: the day after `since` up to today)."""
    first = local_date(since) + timedelta(days=1)
    last = local_date(now)
    if first > last:
        return NOTHING
    return Q(**{f"{field}__gte": first - timedelta(days=offset_days),
                f"{field}__lte": last - timedelta(days=offset_days)})


def recently_active(regarding_field: str, record_ids, since: datetime) -> set[int]:
    """Ids among `record_ids` with an activity created or completed after `since`, read from
    the activities themselves (the timeline rollup may not have moved last_activity_at yet)."""
    return set(
        Activity.objects.filter(**{f"{regarding_field}_id__in": list(record_ids)})
        .filter(Q(created_at__gt=since) | Q(completed_at__gt=since))
        .values_list(f"{regarding_field}_id", flat=True).distinct()
    )
