"""Reconcile stored cards with what the rules want: scans (full and incremental) and refreshes.

Everything goes through `reconcile(rule, ctx, record_ids)`: for a bounded set of records it
asks the rule which of them meet the condition now, creates the missing cards, updates the text
of the ones whose figures changed and retires (deletes) the cards whose condition no longer
holds. A dismissed card keeps its row while its condition holds, so a scan never brings it back.
Scans walk the records in primary-key chunks, so memory stays flat whatever the table size.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.utils import timezone

from crm.common.db_router import on_replica

from .models import AssistantSettings, Card, CardState, ScanState
from .registry import CardSpec, Rule, ScanContext, rules, rules_for

logger = logging.getLogger(__name__)

CHUNK = 2000
# Rows updated in a transaction that committed after the previous scan started can carry an
# `updated_at` a little older than the watermark; look back a minute to catch them.
WATERMARK_OVERLAP = timedelta(minutes=1)


@dataclass
class ScanStats:
    examined: int = 0
    created: int = 0
    updated: int = 0
    retired: int = 0
    per_rule: dict = field(default_factory=dict)

    def add(self, rule: Rule, other: "ScanStats") -> None:
        self.examined += other.examined
        self.created += other.created
        self.updated += other.updated
        self.retired += other.retired
        row = self.per_rule.setdefault(rule.kind, {"examined": 0, "created": 0, "updated": 0,
                                                   "retired": 0})
        for key in row:
            row[key] += getattr(other, key)

    def as_dict(self) -> dict:
        return {"examined": self.examined, "created": self.created, "updated": self.updated,
                "retired": self.retired, "per_rule": self.per_rule}


def make_context(now=None) -> ScanContext:
    now = now or timezone.now()
    return ScanContext(now=now, today=timezone.localdate(now), settings=AssistantSettings.load())


_TEXT_FIELDS = ("title", "body", "priority", "valid_until")


def _card_values(spec: CardSpec) -> dict:
    return {"title": spec.title[:200], "body": spec.body[:500], "priority": int(spec.priority),
            "valid_until": spec.valid_until}


def reconcile(rule: Rule, ctx: ScanContext, record_ids) -> ScanStats:
    """Bring the cards of `rule` about `record_ids` in line with the records' current state."""
    stats = ScanStats()
    record_ids = list(set(record_ids))
    if not record_ids:
        return stats
    wanted: dict[int, CardSpec] = {}
    for record in rule.queryset(ctx).filter(pk__in=record_ids):
        spec = rule.build(ctx, record)
        if spec is not None:
            wanted[record.pk] = spec
    if wanted and rule.exclude is not None:
        for record_id in rule.exclude(ctx, list(wanted)):
            wanted.pop(record_id, None)
    stats.examined = len(record_ids)
    # The cards are what this writes: always read on the primary, even when the records come
    # from the read replica (a full scan).
    existing = list(Card.objects.using(DEFAULT_DB_ALIAS).filter(
        kind=rule.kind, record_type=rule.record_type, record_id__in=record_ids))
    keep, retire, update = set(), [], []
    for card in existing:
        spec = wanted.get(card.record_id)
        if spec is None or (card.user_id, card.due_date) != (spec.user_id, spec.due_date):
            retire.append(card.pk)
            continue
        keep.add(card.record_id)
        values = _card_values(spec)
        if any(getattr(card, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(card, name, value)
            update.append(card)
    new = [
        Card(user_id=spec.user_id, kind=rule.kind, record_type=rule.record_type,
             record_id=record_id, due_date=spec.due_date, created_at=ctx.now,
             **_card_values(spec))
        for record_id, spec in wanted.items() if record_id not in keep
    ]
    with transaction.atomic():
        if retire:
            stats.retired = Card.objects.filter(pk__in=retire).delete()[0]
        if update:
            now = timezone.now()
            for card in update:
                card.updated_at = now
            Card.objects.bulk_update(update, [*_TEXT_FIELDS, "updated_at"], batch_size=CHUNK)
            stats.updated = len(update)
        if new:
            # A concurrent refresh may have created the same card: the unique key settles it.
            created = Card.objects.bulk_create(new, ignore_conflicts=True, batch_size=CHUNK)
            stats.created = len(created)
    return stats


def _chunks_of_ids(queryset, chunk=CHUNK):
    """Primary keys of `queryset` in ascending chunks (keyset pagination: flat memory)."""
    last = None
    while True:
        qs = queryset.order_by("pk")
        if last is not None:
            qs = qs.filter(pk__gt=last)
        ids = list(qs.values_list("pk", flat=True)[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _card_record_ids(rule: Rule, extra_filter=None, chunk=CHUNK):
    """Record ids that have cards of `rule` (optionally filtered), in ascending chunks."""
    base = Card.objects.using(DEFAULT_DB_ALIAS).filter(kind=rule.kind,
                                                        record_type=rule.record_type)
    if extra_filter is not None:
        base = base.filter(extra_filter)
    last = None
    while True:
        qs = base.order_by("record_id")
        if last is not None:
            qs = qs.filter(record_id__gt=last)
        ids = list(qs.values_list("record_id", flat=True).distinct()[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def scan_rule_full(rule: Rule, ctx: ScanContext) -> ScanStats:
    stats = ScanStats()
    for ids in _chunks_of_ids(rule.queryset(ctx)):
        stats.add(rule, reconcile(rule, ctx, ids))
    # Cards whose record no longer meets the condition (or no longer exists): the records that
    # still match were reconciled above, so only the others need a look.
    for ids in _card_record_ids(rule):
        matching = set(rule.queryset(ctx).filter(pk__in=ids).values_list("pk", flat=True))
        stale = [i for i in ids if i not in matching]
        stats.add(rule, reconcile(rule, ctx, stale))
    return stats


def scan_rule_incremental(rule: Rule, ctx: ScanContext, since) -> ScanStats:
    """Only what may have moved since `since`: records that changed (they may gain, keep or lose
    a card), records meeting the condition because a date threshold was crossed, and cards whose
    clock ran out. Deleted records lose their cards through the post_delete refresh and, as a
    safety net, the nightly full scan."""
    stats = ScanStats()
    since = since - WATERMARK_OVERLAP
    for ids in _chunks_of_ids(rule.model._default_manager.filter(rule.changed(ctx, since))):
        stats.add(rule, reconcile(rule, ctx, ids))
    if rule.boundary is not None:
        crossed = rule.queryset(ctx).filter(rule.boundary(ctx, since, ctx.now))
        for ids in _chunks_of_ids(crossed):
            stats.add(rule, reconcile(rule, ctx, ids))
    for ids in _card_record_ids(rule, Q(valid_until__lte=ctx.now)):
        stats.add(rule, reconcile(rule, ctx, ids))
    return stats


def wake_snoozed(now=None) -> int:
    """Snoozed cards whose time has come become active again."""
    now = now or timezone.now()
    return Card.objects.filter(state=CardState.SNOOZED, snoozed_until__lte=now).update(
        state=CardState.ACTIVE, snoozed_until=None, updated_at=now
    )


def scan(*, full: bool = False, now=None, kinds=None) -> ScanStats:
    """Run every rule: incrementally from its watermark, or over all records when `full` (or
    when the rule has never run). Safe to run twice: the second run changes nothing."""
    ctx = make_context(now)
    total = ScanStats()
    for rule in list(rules.values()):
        if kinds is not None and rule.kind not in kinds:
            continue
        state, _ = ScanState.objects.get_or_create(rule=rule.kind)
        watermark = ctx.now
        if full or state.last_scanned_at is None:
            # A full scan reads every record: on the read replica when there is one. Its data
            # is as old as the replica's lag; the incremental scans look back a minute anyway,
            # and a replica further behind moves the watermark back by its lag.
            stats, as_of = on_replica(scan_rule_full, rule, ctx)
            lag = timezone.now() - as_of
            if lag > WATERMARK_OVERLAP:
                watermark = ctx.now - lag
            total.add(rule, stats)
            state.last_full_scan_at = ctx.now
        else:
            total.add(rule, scan_rule_incremental(rule, ctx, state.last_scanned_at))
        state.last_scanned_at = watermark
        state.save(update_fields=["last_scanned_at", "last_full_scan_at"])
    wake_snoozed(ctx.now)
    return total


def refresh_records(record_type: str, record_ids, now=None) -> ScanStats:
    """Event-driven: re-evaluate every rule about these records right away."""
    ctx = make_context(now)
    total = ScanStats()
    for rule in rules_for(record_type):
        total.add(rule, reconcile(rule, ctx, record_ids))
    return total
