"""Reads of scores, model versions and the on/off switch."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from crm.common import versions

from . import engine
from .models import ScoringModel, ScoringSwitch
from .registry import ScoringSpec, spec_for_model, specs

NOT_ENOUGH_HISTORY = "not_enough_history"
SCORING_OFF = "scoring_off"
CLOSED = "closed"


def scoring_enabled() -> bool:
    """The admin page's switch (on unless turned off); cached until the switch is saved, so a
    page asking costs no query."""

    def read() -> bool:
        row = ScoringSwitch.objects.filter(pk=1).values_list("enabled", flat=True).first()
        return True if row is None else bool(row)

    return versions.cached("scoring:enabled", read, tables=("scoring.ScoringSwitch",))


def active_model(kind: str) -> ScoringModel | None:
    return ScoringModel.objects.filter(kind=kind, active=True).first()


def model_versions(kind: str, limit: int = 20) -> list[ScoringModel]:
    return list(ScoringModel.objects.filter(kind=kind).order_by("-version")[:limit])


def min_per_outcome() -> int:
    return int(settings.CRM_SCORING_MIN_PER_OUTCOME)


def factors_for_display(spec: ScoringSpec,
                        factors: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """[{label, effect}] with the label said again in the active language (stored factors
    keep the feature and its value for that; an older row without them keeps its label)."""
    shown = []
    for factor in factors or []:
        label = factor.get("label", "")
        if "feature" in factor:
            try:
                label = str(spec.feature(factor["feature"]).describe(factor.get("value")))
            except KeyError:  # a feature the current code no longer has: the stored label
                pass
        shown.append({"label": label, "effect": int(factor.get("effect", 0))})
    return shown


def score_for(record: Any) -> dict[str, Any] | None:
    """The API shape of `record`'s score: {score, grade, factors: [{label, effect}],
    model_version, scored_at, reason}. `score` is null with `reason`
    "not_enough_history" (no model yet), "closed" (only open records are scored) or
    "scoring_off"; `reason` is null when there is a score. None for a record type that is
    not scored.

    Reads the stored row (`record.score_row`, select_related it on lists); an open record
    not scored yet is scored on the fly (nothing written)."""
    spec = spec_for_model(type(record))
    if spec is None:
        return None
    empty: dict[str, Any] = {"score": None, "grade": None, "factors": [], "model_version": None,
             "scored_at": None}
    if not scoring_enabled():
        return {**empty, "reason": SCORING_OFF}
    if not spec.is_open(record):
        return {**empty, "reason": CLOSED}
    try:
        row = record.score_row
    except spec.score_model.DoesNotExist:
        row = None
    if row is not None and row.score is not None:
        return {"score": row.score, "grade": row.grade,
                "factors": factors_for_display(spec, row.factors),
                "model_version": row.model.version if row.model_id else None,
                "scored_at": row.scored_at, "reason": None}
    model = active_model(spec.kind)
    if model is None:
        return {**empty, "scored_at": row.scored_at if row else None,
                "reason": NOT_ENOUGH_HISTORY}
    features = next(iter(spec.open_rows([record.pk])), None)
    if features is None:
        return {**empty, "reason": CLOSED}
    explained = engine.explain(spec, model.parameters, features)
    factors = engine.top_factors(spec, explained, features)
    from django.utils import timezone

    return {"score": explained.score, "grade": explained.grade,
            "factors": factors_for_display(spec, factors), "model_version": model.version,
            "scored_at": timezone.now(), "reason": None}


def reason_text(reason: str | None) -> str:
    return {
        NOT_ENOUGH_HISTORY: _("Not enough history to score"),
        SCORING_OFF: _("Scoring is turned off"),
        CLOSED: _("Only open records are scored"),
    }.get(reason or "", "")


def scored_kinds() -> list[str]:
    return sorted(specs)
