"""Scoped reads of activities and timelines."""

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.common.registries import RecordType, record_types
from crm.common.visibility import get_readable_or_404, readable_owner_ids, scope_readable

from .models import (
    REGARDING_FIELDS,
    TIMELINE_KINDS,
    Activity,
    ActivityKind,
    ActivityState,
    TimelineEntry,
)

TIMELINE_PAGE_SIZE = 10
TIMELINE_KIND_VALUES = {value for value, _label in TIMELINE_KINDS}


def _hide_unreadable_regarding(qs, user):
    """Drop activities whose regarding record the user may not read (owned record types)."""
    if not user.is_authenticated:
        return qs.none()
    owner_ids = readable_owner_ids(user)
    if owner_ids is None:
        return qs
    ids = list(owner_ids)
    for type_name, field in REGARDING_FIELDS.items():
        if type_name not in record_types:
            continue
        rt = record_types.get(type_name)
        if rt.visibility == "owned":
            qs = qs.filter(Q(**{f"{field}__isnull": True})
                           | Q(**{f"{field}__{rt.owner_field}_id__in": ids}))
    return qs


def activity_list(*, user: Any) -> QuerySet[Activity]:
    """Activities `user` may read (owned-record rules) on records they may read, with owner
    and regarding record."""
    return _hide_unreadable_regarding(scope_readable(Activity.objects.with_regarding(), user),
                                      user)


def regarding_names(pairs) -> dict:
    """`{(record type, id): str(record)}` for (type, id) pairs, one query per record type, read
    like `select_related` reads them (the base manager, no scoping: the caller's list is
    already scoped). For lists of activities built from `values()` rows."""
    wanted: dict[str, set] = {}
    for type_name, record_id in pairs:
        if type_name is None:
            continue
        wanted.setdefault(type_name, set()).add(record_id)
    names = {}
    for type_name, ids in wanted.items():
        model = Activity._meta.get_field(REGARDING_FIELDS[type_name]).related_model
        for record in model._base_manager.filter(pk__in=ids):
            names[(type_name, record.pk)] = str(record)
    return names


def activity_get(*, user, pk) -> Activity:
    return get_readable_or_404(activity_list(user=user), user, pk=pk)


def my_activities(*, user, view: str = "open", now: datetime | None = None):
    """The "My activities" views: open, due today, overdue, this week, completed, all."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + timedelta(days=1)
    week_start = day_start - timedelta(days=day_start.weekday())
    week_end = week_start + timedelta(days=7)
    qs = _hide_unreadable_regarding(Activity.objects.with_regarding().filter(owner=user), user)
    # "When" is the start for appointments and the due date for everything else.
    def when_between(start, end):
        return (Q(kind=ActivityKind.APPOINTMENT, starts_at__gte=start, starts_at__lt=end)
                | (~Q(kind=ActivityKind.APPOINTMENT) & Q(due_at__gte=start, due_at__lt=end)))

    open_qs = qs.filter(state=ActivityState.OPEN)
    if view == "today":
        return open_qs.filter(when_between(day_start, day_end))
    if view == "overdue":
        return open_qs.filter(
            Q(kind=ActivityKind.APPOINTMENT, starts_at__lt=now)
            | (~Q(kind=ActivityKind.APPOINTMENT) & Q(due_at__lt=now))
        )
    if view == "week":
        return open_qs.filter(when_between(week_start, week_end))
    if view == "completed":
        return qs.filter(state=ActivityState.COMPLETED)
    if view == "all":
        return qs
    return open_qs


def calendar_activities(*, user, since: datetime):
    """Appointments (and tasks with a due date) of `user` for the .ics feed."""
    return _hide_unreadable_regarding(Activity.objects.with_regarding(), user).filter(
        owner=user).filter(
        Q(kind=ActivityKind.APPOINTMENT, starts_at__gte=since)
        | Q(kind=ActivityKind.TASK, due_at__gte=since)
    ).order_by("starts_at", "due_at", "id")[:2000]


def record_get(*, user, record_type: str, record_id) -> tuple[RecordType, object]:
    """A record of any registered type if `user` may read it (404 otherwise)."""
    if record_type not in record_types:
        raise Http404("Unknown record type.")
    rt = record_types.get(record_type)
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise Http404("Unknown record.") from None
    obj = get_readable_or_404(rt.model._default_manager.all(), user,
                              owner_field=rt.owner_field, visibility=rt.visibility, pk=record_id)
    return rt, obj


def parse_record_ref(value: str) -> tuple[str, str]:
    """`"contact:42"` -> ("contact", "42")."""
    record_type, _sep, record_id = (value or "").partition(":")
    return record_type.strip(), record_id.strip()


@dataclass
class TimelinePage:
    entries: list
    next_cursor: str | None


def encode_cursor(entry: TimelineEntry) -> str:
    raw = f"{entry.occurred_at.isoformat()}|{entry.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        when = parse_datetime(stamp)
        return (when, int(pk)) if when else None
    except (ValueError, UnicodeDecodeError):
        return None


def timeline_page(*, user, record_type: str, record_id: int, kind: str = "",
                  cursor: str = "", page_size: int = TIMELINE_PAGE_SIZE) -> TimelinePage:
    """One page of a record's timeline, newest first, as ONE indexed query.

    Keyset pagination on (occurred_at, id): entries added while someone reads never shift the
    next page. Entries for activities the user may not read, or that come from records they may
    not read (through rollups), are filtered in the same query via the denormalized owners.
    The caller has already checked that `user` may read the record itself.
    """
    qs = TimelineEntry.objects.filter(record_type=record_type, record_id=record_id)
    if kind in TIMELINE_KIND_VALUES:
        qs = qs.filter(kind=kind)
    owner_ids = readable_owner_ids(user)
    if owner_ids is not None:
        ids = list(owner_ids)
        qs = qs.filter(Q(activity_owner_id__isnull=True) | Q(activity_owner_id__in=ids))
        qs = qs.filter(Q(source_owner_id__isnull=True) | Q(source_owner_id__in=ids))
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        # Row comparison so PostgreSQL walks the (occurred_at desc, id desc) index from there.
        qs = qs.extra(
            where=["(activities_timelineentry.occurred_at, activities_timelineentry.id)"
                   " < (%s, %s)"],
            params=list(position),
        )
    rows = list(
        qs.select_related("activity", "activity__owner", "event", "event__actor")
        .order_by("-occurred_at", "-id")[: page_size + 1]
    )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    return TimelinePage(entries=rows,
                        next_cursor=encode_cursor(rows[-1]) if has_more and rows else None)
