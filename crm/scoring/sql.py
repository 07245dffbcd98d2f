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


class RecordRows:
    """How a record type's feature rows are read, the same way for leads and opportunities:
    closed records as of their close (with the owner's record before that moment), open ones
    as of now (with the owner's whole closed record). `rows(qs, asof, owner_history, now=None)`
    is the type's own reader of one queryset; `closed`/`open` are querysets of its records."""

    def __init__(self, *, closed, open, positive: Q, closed_asof, rows):
        self.closed, self.open, self.positive = closed, open, positive
        self.closed_asof, self.rows = closed_asof, rows

    def closed_rows(self):
        closed = self.closed.all()
        history = {pk: (n, p) for pk, n, p in closed.annotate(asof=self.closed_asof())
                   .annotate(**owner_history_window(self.positive))
                   .values_list("id", "owner_prior", "owner_prior_positive")
                   .iterator(chunk_size=20000)}
        yield from self.rows(closed, self.closed_asof(),
                             lambda row: history.get(row["id"], (0, 0)))

    def owner_totals(self, owner_ids=None) -> dict:
        qs = self.closed.all()
        if owner_ids is not None:
            qs = qs.filter(owner_id__in=owner_ids)
        return {o: (n, p) for o, n, p in qs.values("owner_id").order_by().annotate(
            n=Count("id"), p=Count("id", filter=self.positive))
            .values_list("owner_id", "n", "p")}

    def open_rows(self, ids=None, cache: dict | None = None):
        """Open records (all, or those of `ids`), features as of now. `cache` (a dict kept
        across the batches of one full re-score) holds the owners' totals, read once."""
        from django.utils import timezone

        now = timezone.now()
        qs = self.open.all()
        if cache is not None:
            if "owner_totals" not in cache:
                cache["owner_totals"] = self.owner_totals()
            totals = cache["owner_totals"]
        elif ids is not None:
            totals = self.owner_totals(set(qs.model._default_manager.filter(pk__in=list(ids))
                                           .values_list("owner_id", flat=True)))
        else:
            totals = self.owner_totals()
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        yield from self.rows(qs, Value(now), lambda row: totals.get(row["owner_id"], (0, 0)),
                             now=now)

    def open_id_batches(self, batch_size: int):
        return batched_ids(self.open.all(), batch_size)
