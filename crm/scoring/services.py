"""Training, scoring and the on/off switch (the only writers of the scoring tables)."""

import logging
import time
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from . import engine
from .models import CloseDateSlip, ScoringModel, ScoringSwitch
from .registry import spec_for
from .selectors import active_model, min_per_outcome, scoring_enabled

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 2000


def scoring_switch_set(*, enabled: bool, actor: Any = None) -> ScoringSwitch:
    """Turn scoring on or off (admin page). Off: pages and the API say so; nothing is
    retrained or re-scored until it is on again."""
    switch, _ = ScoringSwitch.objects.update_or_create(pk=1, defaults={"enabled": bool(enabled)})
    logger.info("scoring switched %s by %s", "on" if enabled else "off",
                getattr(actor, "pk", None))
    return switch


def _lock_kind(kind: str) -> None:
    """One trainer per kind at a time (transaction-scoped advisory lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"scoring:{kind}"])


def model_train(*, kind: str, rows: Iterable[Any] | None = None) -> ScoringModel | None:
    """Train `kind`'s model on its closed history and make it the active version.

    Refuses (returns None, the active model is left alone, none is created) with fewer than
    CRM_SCORING_MIN_PER_OUTCOME closed records of either outcome: the scores then say "not
    enough history". Idempotent: unchanged history (same records, outcomes and features)
    returns the active version instead of adding one."""
    spec = spec_for(kind)
    rows = engine.compact_rows(spec, spec.closed_rows() if rows is None else rows)
    positives = sum(r.outcome for r in rows)
    negatives = len(rows) - positives
    if min(positives, negatives) < min_per_outcome():
        logger.info("scoring %s: not enough history (%s / %s)", kind, positives, negatives)
        return None
    current = active_model(kind)
    if current is not None and \
            current.parameters.get("fingerprint") == engine.fingerprint(spec, rows):
        return current
    fit = engine.train(spec, rows)
    with transaction.atomic():
        _lock_kind(kind)
        current = active_model(kind)
        if current is not None and current.parameters.get("fingerprint") == fit.fingerprint:
            return current
        version = (ScoringModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"]
                   or 0) + 1
        ScoringModel.objects.filter(kind=kind, active=True).update(active=False)
        return ScoringModel.objects.create(
            kind=kind, version=version, trained_at=timezone.now(), train_size=fit.train_size,
            test_size=fit.test_size, auc=fit.auc, brier=fit.brier,
            base_rate_brier=fit.base_rate_brier, reliability=fit.reliability,
            parameters={**fit.parameters, "fingerprint": fit.fingerprint,
                        "positives": positives, "negatives": negatives},
            active=True,
        )


def records_rescore(*, kind: str, ids: Iterable[int], model: ScoringModel | None = None,
                    now: datetime | None = None, cache: dict[str, Any] | None = None) -> int:
    """Score the given records (those still open) and store their rows; rows of records no
    longer open go. With no model the rows say "not enough history" (score null)."""
    spec = spec_for(kind)
    ids = list(ids)
    if not ids:
        return 0
    model = model if model is not None else active_model(kind)
    now = now or timezone.now()
    score_model = spec.score_model
    fk = f"{spec.record_field}_id"
    rows = list(spec.open_rows(ids, cache) if cache is not None else spec.open_rows(ids))
    objects = []
    for row in rows:
        if model is None:
            objects.append(score_model(**{fk: row["id"]}, score=None, grade="", factors=[],
                                       model=None, scored_at=now))
            continue
        explained = engine.explain(spec, model.parameters, row)
        objects.append(score_model(
            **{fk: row["id"]}, score=explained.score, grade=explained.grade,
            factors=engine.top_factors(spec, explained, row), model=model, scored_at=now))
    with transaction.atomic():
        if objects:
            score_model.objects.bulk_create(
                objects, update_conflicts=True, unique_fields=[spec.record_field],
                update_fields=["score", "grade", "factors", "model", "scored_at"])
        still_open = {row["id"] for row in rows}
        gone = [pk for pk in ids if pk not in still_open]
        if gone:
            score_model.objects.filter(**{f"{fk}__in": gone}).delete()
    return len(objects)


def rescore_all(*, kind: str, batch_size: int = DEFAULT_BATCH) -> dict[str, Any]:
    """Every open record of `kind`, in batches of `batch_size` (each its own transaction),
    then the rows of records that closed meanwhile go."""
    spec = spec_for(kind)
    model = active_model(kind)
    started = time.perf_counter()
    now = timezone.now()
    scored = 0
    cache: dict[str, Any] = {}   # the owners' history, read once for the whole run
    for batch in spec.open_id_batches(batch_size):
        scored += records_rescore(kind=kind, ids=batch, model=model, now=now, cache=cache)
    # Rows not touched by this run belong to records no longer open.
    removed, _ = spec.score_model.objects.filter(scored_at__lt=now).delete()
    return {"kind": kind, "scored": scored, "removed": removed,
            "seconds": round(time.perf_counter() - started, 2)}


def retrain_and_rescore(*, kind: str, batch_size: int = DEFAULT_BATCH) -> dict[str, Any]:
    """The nightly job: retrain, then re-score every open record (scoring on only)."""
    if not scoring_enabled():
        return {"kind": kind, "skipped": "scoring_off"}
    started = time.perf_counter()
    model = model_train(kind=kind)
    trained = round(time.perf_counter() - started, 2)
    result = rescore_all(kind=kind, batch_size=batch_size)
    return {**result, "model_version": model.version if model else None,
            "train_seconds": trained}


def close_date_slip_record(*, opportunity_id: int, before: date | None, after: date | None,
                           when: datetime | None = None) -> CloseDateSlip | None:
    """Note a slip when the estimated close date moved later (not when set the first time or
    moved earlier). Called from the change's own transaction."""
    if before is None or after is None or after <= before:
        return None
    return CloseDateSlip.objects.create(opportunity_id=opportunity_id, from_date=before,
                                        to_date=after, occurred_at=when or timezone.now())
