"""The model: logistic regression over one-hot categories and binned numbers.

Every feature contributes exactly one coefficient to a record's logit (the one of its category
or bin), so the explanation is exact: logit = base + sum of the per-feature contributions, where
a contribution is the coefficient minus that feature's mean coefficient over the training
records (a record that is average in every respect scores the base). Scoring needs only the
stored parameters (plain JSON), not scikit-learn.
"""

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .registry import ScoringSpec

TEST_SHARE = 0.2
RELIABILITY_BINS = 10


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def grade_for(score: int) -> str:
    if score >= 75:
        return "A"
    if score >= 50:
        return "B"
    if score >= 25:
        return "C"
    return "D"


# --- encoding --------------------------------------------------------------------------------


class TrainingRow(NamedTuple):
    """A closed record reduced to what training needs (a few hundred bytes instead of the
    feature dict's ~1.6 kB: a million rows stay well under a gigabyte)."""

    id: int
    outcome: int
    asof: object
    tokens: tuple


def compact_rows(spec: ScoringSpec, rows: Iterable) -> list[TrainingRow]:
    """Feature dicts (streamed from `closed_rows()`) -> TrainingRows; compact ones pass."""
    features = spec.features
    out = []
    for row in rows:
        if isinstance(row, TrainingRow):
            out.append(row)
            continue
        out.append(TrainingRow(row["id"], int(row["outcome"]), row["asof"],
                               tuple(f.token(row.get(f.name)) for f in features)))
    return out


def tokens_of(spec: ScoringSpec, rows: list[TrainingRow]) -> list[list[str]]:
    """Per feature, the token of each row (category value or bin)."""
    return [[row.tokens[i] for row in rows] for i in range(len(spec.features))]


def vocabulary(spec: ScoringSpec, tokens: list[list[str]]) -> list[list[str]]:
    """Per feature, the tokens that get a column: categories seen at least `min_count` times
    (the rest pool into "other"); every bin seen."""
    vocab = []
    for f, column in zip(spec.features, tokens, strict=True):
        values, counts = np.unique(np.array(column, dtype=object), return_counts=True)
        if f.kind == "category":
            kept = sorted(str(v) for v, c in zip(values, counts, strict=True)
                          if c >= f.min_count)
            if any(c < f.min_count for c in counts):
                kept.append("other")
        else:
            kept = sorted(str(v) for v in values)
        vocab.append(kept)
    return vocab


def design_matrix(spec: ScoringSpec, tokens: list[list[str]], vocab: list[list[str]]):
    """Sparse one-hot matrix (rows x all columns); an unknown token has no column."""
    from scipy.sparse import csr_matrix

    n = len(tokens[0]) if tokens else 0
    offsets, width = [], 0
    for kept in vocab:
        offsets.append(width)
        width += len(kept)
    rows_idx, cols_idx = [], []
    for f, column, kept, offset in zip(spec.features, tokens, vocab, offsets, strict=True):
        index = {t: offset + i for i, t in enumerate(kept)}
        other = index.get("other") if f.kind == "category" else None
        for r, t in enumerate(column):
            c = index.get(t, other)
            if c is not None:
                rows_idx.append(r)
                cols_idx.append(c)
    data = np.ones(len(rows_idx), dtype=np.float64)
    return csr_matrix((data, (rows_idx, cols_idx)), shape=(n, width))


# --- training --------------------------------------------------------------------------------


@dataclass
class Fit:
    parameters: dict
    train_size: int
    test_size: int
    auc: float | None
    brier: float | None
    base_rate_brier: float | None
    reliability: list
    fingerprint: str


def time_split(rows: list[TrainingRow]) -> tuple[list[TrainingRow], list[TrainingRow]]:
    """Older records train, newer test: sorted by the moment they closed; the newest
    TEST_SHARE held out. No test record closed before any training record."""
    ordered = sorted(rows, key=lambda r: (r.asof, r.id))
    cut = int(len(ordered) * (1 - TEST_SHARE))
    # Records closing at the same instant stay on one side of the cut.
    while 0 < cut < len(ordered) and ordered[cut].asof == ordered[cut - 1].asof:
        cut += 1
    return ordered[:cut], ordered[cut:]


def fingerprint(spec: ScoringSpec, rows: list[TrainingRow]) -> str:
    """A digest of the training data (feature names; ids, outcomes, feature tokens):
    retraining on unchanged history reproduces the active model instead of adding a version."""
    digest = hashlib.sha256(repr([f.name for f in spec.features]).encode())
    for row in sorted(rows, key=lambda r: r.id):
        digest.update(repr((row.id, row.outcome, row.tokens)).encode())
    return digest.hexdigest()


def _fit_lr(x, y):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000, solver="lbfgs")
    model.fit(x, y)
    return model


def reliability_bins(y_true, p) -> list[dict]:
    bins = []
    for i in range(RELIABILITY_BINS):
        lower, upper = i / RELIABILITY_BINS, (i + 1) / RELIABILITY_BINS
        mask = (p >= lower) & ((p < upper) if i < RELIABILITY_BINS - 1 else (p <= upper))
        count = int(mask.sum())
        bins.append({"lower": lower, "upper": upper, "count": count,
                     "predicted": float(p[mask].mean()) if count else None,
                     "observed": float(y_true[mask].mean()) if count else None})
    return bins


def train(spec: ScoringSpec, rows: list[TrainingRow]) -> Fit:
    """Validate on the time split, then fit the model that scores on every closed record
    (the newest history matters most for the open records). The stored figures are the
    hold-out's."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    rows = compact_rows(spec, rows)
    older, newer = time_split(rows)
    y_old = np.array([r.outcome for r in older], dtype=np.int8)
    y_new = np.array([r.outcome for r in newer], dtype=np.int8)
    auc = brier = base_brier = None
    reliability: list = []
    if len(set(y_old.tolist())) == 2 and len(newer):
        tok_old = tokens_of(spec, older)
        vocab_old = vocabulary(spec, tok_old)
        model = _fit_lr(design_matrix(spec, tok_old, vocab_old), y_old)
        p = model.predict_proba(design_matrix(spec, tokens_of(spec, newer), vocab_old))[:, 1]
        base = float(y_old.mean())
        brier = float(brier_score_loss(y_new, p))
        base_brier = float(brier_score_loss(y_new, np.full(len(y_new), base)))
        auc = float(roc_auc_score(y_new, p)) if len(set(y_new.tolist())) == 2 else None
        reliability = reliability_bins(y_new, p)

    tokens = tokens_of(spec, rows)
    vocab = vocabulary(spec, tokens)
    x = design_matrix(spec, tokens, vocab)
    y = np.array([r.outcome for r in rows], dtype=np.int8)
    model = _fit_lr(x, y)
    coef = model.coef_[0]
    features, offset = [], 0
    base_logit = float(model.intercept_[0])
    for f, kept in zip(spec.features, vocab, strict=True):
        weights = {t: float(coef[offset + i]) for i, t in enumerate(kept)}
        # Mean coefficient over the training rows (the record with no column counts as 0).
        column_counts = np.asarray(x[:, offset:offset + len(kept)].sum(axis=0)).ravel()
        mean = float((column_counts * coef[offset:offset + len(kept)]).sum() / max(len(rows), 1))
        base_logit += mean
        features.append({"name": f.name, "kind": f.kind, "edges": list(f.edges),
                         "weights": weights, "mean": mean,
                         "counts": {t: int(c) for t, c in zip(kept, column_counts, strict=True)}})
        offset += len(kept)
    parameters = {"intercept": float(model.intercept_[0]), "base_logit": base_logit,
                  "base_rate": float(y.mean()), "features": features, "C": 1.0}
    return Fit(parameters=parameters, train_size=len(older), test_size=len(newer), auc=auc,
               brier=brier, base_rate_brier=base_brier, reliability=reliability,
               fingerprint=fingerprint(spec, rows))


# --- scoring ---------------------------------------------------------------------------------


@dataclass
class Explained:
    logit: float
    base_logit: float
    contributions: dict   # feature name -> (token, contribution to the logit)
    score: int
    grade: str


def explain(spec: ScoringSpec, parameters: dict, row: dict) -> Explained:
    """Score one row with its exact per-feature contributions:
    logit = base_logit + sum(contributions); score = round(100 * sigmoid(logit))."""
    contributions = {}
    total = parameters["base_logit"]
    for fp in parameters["features"]:
        try:
            f = spec.feature(fp["name"])
        except KeyError:
            continue
        token = f.token(row.get(f.name))
        weights = fp["weights"]
        if token in weights:
            weight = weights[token]
        elif f.kind == "category" and "other" in weights:
            weight = weights["other"]
        else:
            weight = fp["mean"]  # never seen in training: no evidence either way
        c = weight - fp["mean"]
        contributions[f.name] = (token, c)
        total += c
    score = max(0, min(100, round(100 * sigmoid(total))))
    return Explained(logit=total, base_logit=parameters["base_logit"],
                     contributions=contributions, score=score, grade=grade_for(score))


def top_factors(spec: ScoringSpec, explained: Explained, row: dict, limit: int = 3) -> list:
    """The `limit` largest contributions, each with its effect in score points: how much
    higher (or lower) the score is with this factor than with an average value of it."""
    p = sigmoid(explained.logit)
    ranked = sorted(explained.contributions.items(), key=lambda kv: -abs(kv[1][1]))
    factors = []
    for name, (token, c) in ranked:
        effect = round(100 * (p - sigmoid(explained.logit - c)))
        if effect == 0:
            continue
        value = row.get(name)
        factors.append({"feature": name, "value": _jsonable(value), "token": token,
                        "effect": int(effect),
                        "label": str(spec.feature(name).describe(value))})
        if len(factors) == limit:
            break
    return factors


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return round(value, 4)
    return str(value)
