"""How scores read on pages (issue 23): the list pages' "Score" column and filters, the record
pages' badge with the top factors, the board cards' grade.

Pages never load a score per row: lists read `score_row__score` / `score_row__grade` in their
`values()` query, board cards carry `score_grade` from the cards' own query, and a record page
reads its one score row. With scoring switched off nothing shows (and nothing is read).
"""

import django_filters
from django import forms
from django.db.models import F
from django.utils.translation import gettext_lazy as _l

from crm.common import formatting
from crm.common import listing as L

from .models import Grade
from .selectors import CLOSED, SCORING_OFF, score_for, scoring_enabled

SCORE_FIELDS = ("score_row__score", "score_row__grade")
# sort_fields value of the lists (crm.common.views.ListPageView): records without a score last
SCORE_SORT = F("score_row__score")
SCORE_FILTERS = ("grade", "min_score")
MINUS = "\u2212"


def scoring_on(request=None) -> bool:
    """`scoring_enabled()`, asked once per request (lists, filters and cards share it)."""
    if request is None:
        return scoring_enabled()
    cached = getattr(request, "_scoring_on", None)
    if cached is None:
        cached = request._scoring_on = bool(scoring_enabled())
    return cached


# --- lists -----------------------------------------------------------------------------------
def score_cell(row, page) -> str:
    """"A 87": the grade as a pill and the score; "—" when there is none (yet)."""
    score = row["score_row__score"]
    if score is None:
        return formatting.MISSING
    grade = L.esc(row["score_row__grade"])
    return f'<span class="grade grade-{grade.lower()}">{grade}</span> {int(score)}'


def score_column() -> L.Column:
    # exports (crm.listviews) get the number; pages "A 87"
    return L.Column("score", _l("Score"), SCORE_FIELDS, score_cell, sort="score",
                    css="num nowrap", th_css="num",
                    value=lambda row, page: row["score_row__score"])


def without_score(columns, request) -> list:
    """The columns as they are with scoring on; without the score column when it is off."""
    if scoring_on(request):
        return columns
    return [c for c in columns if c.key != "score"]


class ScoreField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100)
        super().__init__(*args, **kwargs)


class MinScoreFilter(django_filters.NumberFilter):
    field_class = ScoreField


def grade_filter() -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(field_name="score_row__grade", choices=Grade.choices,
                                       label=_l("Score grade"), empty_label=_l("Any grade"))


def min_score_filter() -> MinScoreFilter:
    return MinScoreFilter(field_name="score_row__score", lookup_expr="gte",
                          label=_l("Min. score"))


def drop_score_filters(filterset, request) -> None:
    """Scoring off: the filter bar offers no score filters (and a stale link filters nothing).
    Call before the filterset's form is built."""
    if request is not None and not scoring_on(request):
        for name in SCORE_FILTERS:
            filterset.filters.pop(name, None)


# --- record pages ----------------------------------------------------------------------------
def signed_effect(effect) -> str:
    """"+12", "−5" (a real minus sign), "0"."""
    try:
        value = round(float(effect))
    except (TypeError, ValueError):
        return ""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"{MINUS}{-value}"
    return "0"


def _factors(factors) -> list[dict]:
    out = []
    for factor in (factors or [])[:3]:
        if not isinstance(factor, dict) or not factor.get("label"):
            continue
        text = signed_effect(factor.get("effect"))
        direction = ("up" if text.startswith("+") else "down" if text.startswith(MINUS)
                     else "flat")
        out.append({"label": str(factor["label"]), "effect": text, "direction": direction})
    return out


def score_badge(*, record, request=None) -> dict | None:
    """What the record page's badge shows, from the API's reading of the score
    (`selectors.score_for`): None with scoring off or for a closed record, else
    {"state": "scored", "score", "grade", "grade_css", "factors": [{label, effect "+12",
    direction}]} or {"state": "no_history"} (no model yet: "Not enough history to score")."""
    if not getattr(record, "is_open", True):
        return None
    data = score_for(record)
    if data is None or data["reason"] in (SCORING_OFF, CLOSED):
        return None
    if data["score"] is None:
        return {"state": "no_history"}
    grade = data["grade"] or ""
    return {"state": "scored", "score": data["score"], "grade": grade,
            "grade_css": grade.lower(), "factors": _factors(data["factors"]),
            "scored_at": data["scored_at"]}
