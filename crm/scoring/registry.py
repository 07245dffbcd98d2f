"""What each scored record type contributes: its features and how to read them in bulk.

`leads/scoring.py` and `opportunities/scoring.py` build a `ScoringSpec` and register it; the
scoring app finds those modules with Django's `autodiscover_modules("scoring")`, so the core
never imports the pipeline apps (import-linter layers).

A spec reads rows in SQL, in bulk: `closed_rows()` gives every closed record with its outcome
(1 = qualified / won) and the moment it closed (`asof`), its features computed *as of that
moment* (activity before it, owner's record before it), so the model learns from what a seller
could have known then; `open_rows(ids)` gives open records with features as of now.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import words


@dataclass(frozen=True)
class Feature:
    """One input of the model. `kind` "category": each value is its own column (rare values
    pooled into "other"); "bins": a number falls into the bin `edges[i-1] <= x < edges[i]`
    (None has a bin of its own). `describe(value)` says the factor in words, in the active
    language, e.g. "3 emails answered in the last 14 days"."""

    name: str
    kind: str
    describe: Callable[[Any], str]
    edges: tuple[float, ...] = ()
    min_count: int = 20

    def token(self, value) -> str:
        if self.kind == "bins":
            if value is None:
                return "none"
            for i, edge in enumerate(self.edges):
                if value < edge:
                    return f"b{i}"
            return f"b{len(self.edges)}"
        if value is None or value == "":
            return "blank"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


@dataclass
class ScoringSpec:
    kind: str                                   # "lead" | "opportunity"
    features: list[Feature]
    # () -> iterable of dicts: id, outcome (0/1), asof (datetime), <feature name>: value
    closed_rows: Callable[[], Iterable[dict]]
    # (ids or None, cache=None) -> iterable of dicts: id, <feature name>: value (as of now);
    # `cache` is a dict shared by the batches of one full re-score
    open_rows: Callable[..., Iterable[dict]]
    # (batch size) -> iterable of id lists over every open record
    open_id_batches: Callable[[int], Iterable[list[int]]]
    # (user) -> queryset of the records the user may read
    readable: Callable[[Any], Any]
    # (record) -> bool
    is_open: Callable[[Any], bool]
    score_model: Any = None                     # LeadScore / OpportunityScore
    record_field: str = ""                      # "lead" / "opportunity"
    outcome_words: tuple[str, str] = ("", "")   # (positive, negative) for the admin page
    extra: dict = field(default_factory=dict)

    def feature(self, name: str) -> Feature:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(name)


specs: dict[str, ScoringSpec] = {}


def register_spec(spec: ScoringSpec) -> ScoringSpec:
    specs[spec.kind] = spec
    return spec


def spec_for(kind: str) -> ScoringSpec:
    return specs[kind]


def spec_for_model(model) -> ScoringSpec | None:
    """The spec whose records are instances of `model` (Lead -> "lead")."""
    for spec in specs.values():
        if spec.score_model is not None and \
                spec.score_model._meta.get_field(spec.record_field).related_model is model:
            return spec
    return None


def engagement_features() -> list[Feature]:
    """Calls and email engagement, read alike for leads and opportunities
    (`sql.activity_aggregates(..., call_days=30, email_days=14)`)."""
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import ngettext_lazy


    return [
        Feature("calls", "bins",
                words.count(ngettext_lazy("%(count)s call in the last 30 days",
                            "%(count)s calls in the last 30 days", "count"),
                            _("No call in the last 30 days")),
                edges=(1, 2, 4)),
        Feature("emails_sent", "bins",
                words.count(ngettext_lazy("%(count)s email sent in the last 14 days",
                            "%(count)s emails sent in the last 14 days", "count"),
                            _("No email sent in the last 14 days")),
                edges=(1, 3)),
        Feature("emails_answered", "bins",
                words.count(ngettext_lazy("%(count)s email answered in the last 14 days",
                            "%(count)s emails answered in the last 14 days", "count"),
                            _("No email answered in the last 14 days")),
                edges=(1, 2, 3)),
        Feature("emails_answered_total", "bins",
                words.count(ngettext_lazy("%(count)s email answered in all",
                            "%(count)s emails answered in all", "count"),
                            _("No email ever answered")),
                edges=(1, 3, 6)),
    ]
