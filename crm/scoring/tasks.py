"""Celery adapters for scoring: nightly retrain, one record after a change, a full re-score."""

from celery import shared_task

from . import services
from .registry import specs
from .selectors import active_model, scoring_enabled


@shared_task(name="crm.scoring.retrain", acks_late=True)
def retrain(kind: str | None = None) -> list:
    """Nightly: retrain each model (a new version only when the history changed), then
    re-score every open record in bounded batches."""
    kinds = [kind] if kind else sorted(specs)
    return [services.retrain_and_rescore(kind=k) for k in kinds]


@shared_task(name="crm.scoring.rescore_all", acks_late=True)
def rescore_all(kind: str) -> dict:
    if not scoring_enabled():
        return {"kind": kind, "skipped": "scoring_off"}
    return services.rescore_all(kind=kind)


@shared_task(name="crm.scoring.rescore_record", acks_late=True)
def rescore_record(kind: str, record_id: int) -> int:
    """After a committed change to the record, its activity or its emails. Nothing to do
    before the first model (the record then shows "not enough history" anyway)."""
    if kind not in specs or not scoring_enabled():
        return 0
    model = active_model(kind)
    if model is None:
        return 0
    return services.records_rescore(kind=kind, ids=[record_id], model=model)
