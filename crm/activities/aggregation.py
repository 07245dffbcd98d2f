"""Timeline aggregation: keeps `TimelineEntry` rows and the rollup fields (`last_activity_at`,
`open_activity_count`) in step with activities, events and the record hierarchy.

How it stays correct without trusting the queue:
- Every change to an activity sets `Activity.timeline_synced = False` in the same transaction
  (events are born unsynced). A change to a record's parent or owner writes a
  `TimelineDirtyRecord` row in the saving transaction. These markers are the durable to-do list.
- `process_items()` takes a batch of unsynced items with `SELECT ... FOR UPDATE SKIP LOCKED`, and
  in ONE transaction upserts their entries (direct + one per ancestor record), deletes entries
  that no longer apply, recounts the rollup fields of every record it touched and clears the
  markers. A worker killed mid-batch loses only its open transaction; the markers are still
  there for the next run. Running it again on synced data finds nothing to do (idempotent), and
  recounts are computed from the entries, never incremented.
- Workers touching the same record serialize on a transaction-level advisory lock, so two
  recounts never interleave.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import Count, Max, Q

from crm.common.registries import record_types

from .models import (
    EVENT_KIND,
    REGARDING_FIELDS,
    Activity,
    ActivityState,
    Event,
    TimelineDirtyRecord,
    TimelineEntry,
)

BATCH_SIZE = 200
MAX_DEPTH = 10
ENTRY_FIELDS = ["occurred_at", "kind", "source_type", "source_id", "source_label", "is_rollup",
                "is_open", "activity_owner_id", "source_owner_id"]

RecordKey = tuple[str, int]


@dataclass
class SourceInfo:
    targets: list[RecordKey]  # the record itself first, then its ancestors
    owner_id: int | None  # None for public record types
    label: str


class _Resolver:
    """Loads records and walks the registry's `parents` callables, cached for one batch."""

    def __init__(self):
        self._instances: dict[RecordKey, object] = {}
        self._info: dict[RecordKey, SourceInfo | None] = {}

    def instance(self, key: RecordKey):
        if key not in self._instances:
            record_type, record_id = key
            obj = None
            if record_type in record_types and record_id is not None:
                model = record_types.get(record_type).model
                obj = model._default_manager.filter(pk=record_id).first()
            self._instances[key] = obj
        return self._instances[key]

    def parents(self, key: RecordKey) -> list[RecordKey]:
        obj = self.instance(key)
        rt = record_types.get(key[0]) if obj is not None else None
        if rt is None or rt.parents is None:
            return []
        return [(t, int(i)) for t, i in (rt.parents(obj) or []) if t in record_types and i]

    def info(self, key: RecordKey) -> SourceInfo | None:
        if key in self._info:
            return self._info[key]
        obj = self.instance(key)
        if obj is None:
            self._info[key] = None
            return None
        rt = record_types.get(key[0])
        targets = [key]
        seen = {key}
        frontier = [key]
        for _depth in range(MAX_DEPTH):  # bounded: a bad parents() can never loop forever
            nxt = []
            for node in frontier:
                for parent in self.parents(node):
                    if parent not in seen and self.instance(parent) is not None:
                        seen.add(parent)
                        targets.append(parent)
                        nxt.append(parent)
            if not nxt:
                break
            frontier = nxt
        owner_id = getattr(obj, f"{rt.owner_field}_id", None) if rt.visibility == "owned" else None
        result = SourceInfo(targets=targets, owner_id=owner_id, label=str(rt.title(obj))[:200])
        self._info[key] = result
        return result


def _lock(namespace: str, keys: Iterable[RecordKey]) -> None:
    """Transaction-level advisory locks, taken in one sorted statement (no lock cycles).

    "src" locks guard reading a record's place in the hierarchy against a concurrent check of
    that place (process_dirty_records); "rec" locks serialize writers of one record's timeline
    and rollups. A transaction takes its src locks first and its rec locks last, each set in
    one statement, so two transactions never wait on each other in a circle.
    """
    if connection.vendor != "postgresql":
        return
    names = sorted({f"timeline-{namespace}:{t}:{i}" for t, i in keys})
    if not names:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(n)) FROM unnest(%s::text[]) AS n ORDER BY n",
            [names],
        )


def _lock_records(keys: Iterable[RecordKey]) -> None:
    _lock("rec", keys)


def recount(keys: Iterable[RecordKey]) -> None:
    """Recompute last activity and open-activity count of each record from its entries."""
    by_type: dict[str, set[int]] = {}
    for record_type, record_id in keys:
        if record_type in record_types:
            by_type.setdefault(record_type, set()).add(record_id)
    for record_type, ids in by_type.items():
        model = record_types.get(record_type).model
        field_names = {f.name for f in model._meta.get_fields()}
        if not {"last_activity_at", "open_activity_count"} <= field_names:
            continue
        stats = {
            row["record_id"]: row
            for row in TimelineEntry.objects.filter(
                record_type=record_type, record_id__in=ids, activity__isnull=False
            ).values("record_id").annotate(
                last=Max("occurred_at"), open=Count("id", filter=Q(is_open=True))
            )
        }
        rows = list(model._default_manager.filter(pk__in=ids).only(
            "pk", "last_activity_at", "open_activity_count"))
        changed = []
        for row in rows:
            stat = stats.get(row.pk, {})
            last, count = stat.get("last"), stat.get("open", 0)
            if row.last_activity_at != last or row.open_activity_count != count:
                row.last_activity_at, row.open_activity_count = last, count
                changed.append(row)
        if changed:
            # bulk_update: no save(), so no version bump and no signals for a derived field.
            model._default_manager.bulk_update(changed, ["last_activity_at",
                                                         "open_activity_count"])


def _entries_for_activity(activity: Activity, resolver: _Resolver) -> list[TimelineEntry]:
    source = (activity.regarding_type, activity.regarding_id)
    info = resolver.info(source) if source[0] else None
    if info is None:
        return []
    return [
        TimelineEntry(
            record_type=t, record_id=i, occurred_at=activity.created_at, kind=activity.kind,
            activity_id=activity.pk, source_type=source[0], source_id=source[1],
            source_label=info.label, is_rollup=(t, i) != source,
            is_open=activity.state == ActivityState.OPEN, activity_owner_id=activity.owner_id,
            source_owner_id=info.owner_id,
        )
        for t, i in info.targets
    ]


def _entries_for_event(event: Event, resolver: _Resolver) -> list[TimelineEntry]:
    source = (event.record_type, event.record_id)
    info = resolver.info(source)
    if info is None:
        return []
    return [
        TimelineEntry(
            record_type=t, record_id=i, occurred_at=event.occurred_at, kind=EVENT_KIND,
            event_id=event.pk, source_type=source[0], source_id=source[1],
            source_label=info.label, is_rollup=(t, i) != source, is_open=False,
            activity_owner_id=None, source_owner_id=info.owner_id,
        )
        for t, i in info.targets
    ]


def _upsert(entries: list[TimelineEntry], item_field: str) -> None:
    if entries:
        TimelineEntry.objects.bulk_create(
            entries, update_conflicts=True,
            unique_fields=["record_type", "record_id", item_field], update_fields=ENTRY_FIELDS,
        )


def process_items(*, limit: int = BATCH_SIZE, activity_ids=None, event_ids=None) -> int:
    """Aggregate up to `limit` unsynced activities/events in one transaction; returns how many.

    With ids, only those items (if still unsynced) are considered.
    """
    with transaction.atomic():
        acts_qs = Activity.objects.filter(timeline_synced=False)
        events_qs = Event.objects.filter(timeline_synced=False)
        if activity_ids is not None or event_ids is not None:
            acts_qs = acts_qs.filter(pk__in=list(activity_ids or []))
            events_qs = events_qs.filter(pk__in=list(event_ids or []))
        activities = list(acts_qs.select_for_update(skip_locked=True).order_by("id")[:limit])
        events = []
        if len(activities) < limit:
            events = list(events_qs.select_for_update(skip_locked=True)
                          .order_by("id")[: limit - len(activities)])
        if not activities and not events:
            return 0
        # Hold the sources' src locks while reading where they sit in the hierarchy: a record
        # that moves meanwhile is re-checked only after this transaction commits.
        _lock("src", [(a.regarding_type, a.regarding_id) for a in activities if a.regarding_type]
              + [(e.record_type, e.record_id) for e in events])
        resolver = _Resolver()
        act_entries = [e for a in activities for e in _entries_for_activity(a, resolver)]
        event_entries = [e for ev in events for e in _entries_for_event(ev, resolver)]
        act_ids = [a.pk for a in activities]
        ev_ids = [e.pk for e in events]
        wanted = {(e.record_type, e.record_id, "a", e.activity_id) for e in act_entries}
        wanted |= {(e.record_type, e.record_id, "e", e.event_id) for e in event_entries}
        touched = {(e.record_type, e.record_id) for e in act_entries + event_entries}
        stale = []
        existing = TimelineEntry.objects.filter(
            Q(activity_id__in=act_ids) | Q(event_id__in=ev_ids)
        ).values_list("id", "record_type", "record_id", "activity_id", "event_id")
        for pk, rtype, rid, aid, eid in existing:
            key = (rtype, rid, "a", aid) if aid else (rtype, rid, "e", eid)
            if key not in wanted:
                stale.append(pk)
                touched.add((rtype, rid))
        _lock_records(touched)
        if stale:
            TimelineEntry.objects.filter(pk__in=stale).delete()
        _upsert(act_entries, "activity")
        _upsert(event_entries, "event")
        recount(touched)
        if act_ids:
            Activity.objects.filter(pk__in=act_ids).update(timeline_synced=True)
        if ev_ids:
            Event.objects.filter(pk__in=ev_ids).update(timeline_synced=True)
        return len(activities) + len(events)


def mark_source_dirty(record_type: str, record_id: int) -> int:
    """Flag every item on one record for re-aggregation (its parent or owner changed)."""
    count = Event.objects.filter(record_type=record_type, record_id=record_id,
                                 timeline_synced=True).update(timeline_synced=False)
    field = REGARDING_FIELDS.get(record_type)
    if field:
        count += Activity.objects.filter(**{f"{field}_id": record_id},
                                         timeline_synced=True).update(timeline_synced=False)
    return count


def mark_record_changed(record_type: str, record_id: int, *, full: bool = True) -> None:
    """Durably note that a record moved/was reassigned (full) or needs a recount."""
    TimelineDirtyRecord.objects.bulk_create(
        [TimelineDirtyRecord(record_type=record_type, record_id=record_id, full=full)],
        ignore_conflicts=True,
    )


def _stale_sources(sources: set[RecordKey], resolver: _Resolver) -> set[RecordKey]:
    """Sources whose entries no longer match their place in the hierarchy, owner or label."""
    if not sources:
        return set()
    by_type: dict[str, set[int]] = {}
    for source_type, source_id in sources:
        by_type.setdefault(source_type, set()).add(source_id)
    q = Q()
    for source_type, ids in by_type.items():
        q |= Q(source_type=source_type, source_id__in=ids)
    placed: dict[RecordKey, set] = {}
    shown: dict[RecordKey, set] = {}
    for st, sid, rtype, rid, owner_id, label in TimelineEntry.objects.filter(q).values_list(
        "source_type", "source_id", "record_type", "record_id", "source_owner_id", "source_label"
    ).distinct():
        placed.setdefault((st, sid), set()).add((rtype, rid))
        shown.setdefault((st, sid), set()).add((owner_id, label))
    stale = set()
    for source in sources:
        info = resolver.info(source)
        if info is None:
            stale.add(source)
        elif source in placed and (placed[source] != set(info.targets)
                                   or shown[source] != {(info.owner_id, info.label)}):
            stale.add(source)
    return stale


def process_dirty_records(*, limit: int = 50) -> int:
    """Turn dirty-record markers into dirty items (or recounts) in one transaction.

    Only the items whose entries actually disagree with the record's current parents, owner or
    label are re-aggregated, so saving a record without moving it costs a few reads.
    """
    with transaction.atomic():
        rows = list(TimelineDirtyRecord.objects.select_for_update(skip_locked=True)
                    .order_by("id")[:limit])
        if not rows:
            return 0
        resolver = _Resolver()
        recounts = {(row.record_type, row.record_id) for row in rows}
        sources: set[RecordKey] = set()
        for row in rows:
            if row.full:
                # The record's own items and those of every record below it that rolls up
                # into it.
                key = (row.record_type, row.record_id)
                sources |= {key} | set(
                    TimelineEntry.objects.filter(record_type=key[0], record_id=key[1])
                    .values_list("source_type", "source_id").distinct()
                )
        # Wait for workers that are placing these sources' items right now, then compare.
        _lock("src", sources)
        for source in _stale_sources(sources, resolver):
            mark_source_dirty(*source)
        _lock_records(recounts)
        recount(recounts)
        TimelineDirtyRecord.objects.filter(pk__in=[r.pk for r in rows]).delete()
        return len(rows)


def _retrying(step, attempts: int = 3) -> int:
    """Run one batch; a deadlock victim (PostgreSQL aborted it) simply runs again."""
    for attempt in range(attempts):
        try:
            return step()
        except OperationalError as exc:
            if "deadlock" not in str(exc) or attempt == attempts - 1:
                raise
    return 0


def catch_up(*, batch_size: int = BATCH_SIZE, time_budget: float | None = None) -> dict:
    """Work through every marker; safe to run at any time and any number of times."""
    started = time.monotonic()
    records = items = 0
    while True:
        done = _retrying(process_dirty_records)
        records += done
        if not done:
            break
    while True:
        done = _retrying(lambda: process_items(limit=batch_size))
        items += done
        if not done:
            break
        if time_budget is not None and time.monotonic() - started > time_budget:
            break
    return {"records": records, "items": items}


def purge_record(record_type: str, record_id: int) -> None:
    """A record was deleted: drop its timeline, and re-aggregate whatever rolled up through it."""
    entries = TimelineEntry.objects.filter(record_type=record_type, record_id=record_id)
    below = set(entries.exclude(source_type=record_type, source_id=record_id)
                .values_list("source_type", "source_id").distinct())
    above = set(TimelineEntry.objects.filter(source_type=record_type, source_id=record_id)
                .values_list("record_type", "record_id").distinct())
    entries.delete()
    TimelineEntry.objects.filter(source_type=record_type, source_id=record_id).delete()
    for key in below:
        mark_record_changed(*key, full=True)
    for key in above - {(record_type, record_id)}:
        mark_record_changed(*key, full=False)


def rebuild_all() -> dict:
    """Mark everything dirty and aggregate it again (after a deploy or a data repair)."""
    Activity.objects.filter(timeline_synced=True).update(timeline_synced=False)
    Event.objects.filter(timeline_synced=True).update(timeline_synced=False)
    return catch_up()
