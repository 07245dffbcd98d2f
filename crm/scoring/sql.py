"""SQL building blocks the record types share: activity and email engagement counted in bulk
(one LEFT JOIN with FILTERed aggregates), an owner's record before a moment (a window over
the closed records), ages in days. Every count is "as of" a moment: the close for a closed
record (nothing after it leaks into training), now for an open one."""

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange

NOT_CANCELED = ~Q(activities__state="canceled")


def before(asof, days: int):
    return ExpressionWrapper(asof - Value(timedelta(days=days)), output_field=DateTimeField())


def activity_aggregates(asof, *, meeting_days: int = 14, call_days: int = 30,
                        email_days: int = 14) -> dict:
    """Aggregates over the record's `activities` as of `asof` (an expression)."""
    done_before = Q(activities__created_at__lt=asof) & NOT_CANCELED
    emails = Q(activities__kind="email") & done_before
    return {
        "calls": Count("activities", filter=Q(activities__kind="phone_call") & done_before
                       & Q(activities__created_at__gte=before(asof, call_days))),
        "meetings": Count("activities", filter=Q(activities__kind="appointment") & NOT_CANCELED
                          & Q(activities__starts_at__lt=asof)
                          & Q(activities__starts_at__gte=before(asof, meeting_days))),
        "emails_sent": Count("activities", filter=emails & Q(activities__direction="outgoing")
                             & Q(activities__created_at__gte=before(asof, email_days))),
        "emails_answered": Count("activities", filter=emails
                                 & Q(activities__direction="incoming")
                                 & Q(activities__created_at__gte=before(asof, email_days))),
        "emails_answered_total": Count("activities", filter=emails
                                       & Q(activities__direction="incoming")),
        "last_touch": Max("activities__created_at", filter=done_before),
    }


def owner_history_window(positive: Q, asof_field: str = "asof") -> dict:
    """Per closed record: how many of its owner's records closed before it, and how many of
    those were positive (rows strictly before, ordered by close then id)."""
    order = [F(asof_field).asc(), F("id").asc()]
    frame = RowRange(start=None, end=-1)
    return {
        "owner_prior": Window(Count("id"), partition_by=[F("owner_id")], order_by=order,
                              frame=frame),
        "owner_prior_positive": Window(
            Sum(Case(When(positive, then=Value(1)), default=Value(0),
                     output_field=IntegerField())),
            partition_by=[F("owner_id")], order_by=order, frame=frame),
    }


OWNER_MIN_HISTORY = 20


def owner_rate(prior: int | None, positive: int | None) -> float | None:
    """Smoothed share of the owner's earlier closed records that were positive; None for an
    owner with fewer than OWNER_MIN_HISTORY (a "new owner")."""
    if not prior or prior < OWNER_MIN_HISTORY:
        return None
    return ((positive or 0) + 1) / (prior + 2)


def days_between(later, earlier) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds() / 86400)


def batched_ids(qs, batch_size: int):
    """Ids of `qs` in ascending batches (keyset paging; never an OFFSET)."""
    last = 0
    while True:
        ids = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
                   [:batch_size])
        if not ids:
            return
        yield ids
        last = ids[-1]
