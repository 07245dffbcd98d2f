"""Train the scoring models on the bench history and report how well they recover the planted
effects: `python -m bench.scoring` (after `bench.seed` and `bench.seed_scoring`).

Prints, per model: closed records read, hold-out AUC, Brier score vs the base rate's, feature
extraction and training time, peak memory of the process, the strongest factors with their
signs (the planted ones flagged), the full re-score time and the time to re-score one record.
Also writes the figures as JSON to bench/results/scoring-<date>.json.
"""

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

# (kind, feature, token, expected sign): the effects bench.seed_scoring plants.
PLANTED = [
    ("lead", "source", "employee_referral", +1),
    ("lead", "source", "external_referral", +1),
    ("lead", "emails_answered", "b0", -1),          # no reply in the last 14 days
    ("opportunity", "meetings", "b1", +1),          # one meeting in the last 14 days
    ("opportunity", "meetings", "b0", -1),          # none
    ("opportunity", "close_date_slips", "b3", -1),  # three or more slips
    ("opportunity", "close_date_slips", "b0", +1),  # never slipped
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _top_effects(model, limit=8):
    """Features ranked by the spread of their centered weights, each with its extremes."""
    ranked = []
    for fp in model.parameters["features"]:
        weights = {t: w - fp["mean"] for t, w in fp["weights"].items()
                   if fp["counts"].get(t, 0) >= 30}
        if not weights:
            continue
        spread = max(weights.values()) - min(weights.values())
        ranked.append((spread, fp["name"], weights))
    ranked.sort(reverse=True)
    return ranked[:limit]


def run_kind(kind: str, single_samples: int = 20) -> dict:
    from crm.scoring import services
    from crm.scoring.engine import compact_rows
    from crm.scoring.models import ScoringModel
    from crm.scoring.registry import spec_for

    spec = spec_for(kind)
    # A bench database: start from no model, so the training is measured (not skipped as
    # unchanged history).
    ScoringModel.objects.filter(kind=kind).delete()
    started = time.perf_counter()
    cpu = time.process_time()
    rows = compact_rows(spec, spec.closed_rows())
    extract = time.perf_counter() - started
    extract_cpu = time.process_time() - cpu
    t = time.perf_counter()
    model = services.model_train(kind=kind, rows=rows)
    fit_seconds = time.perf_counter() - t
    rows_ids = [r.id for r in rows]
    del rows
    result = {"kind": kind, "closed": len(rows_ids), "extract_seconds": round(extract, 1),
              "extract_cpu_seconds": round(extract_cpu, 1), "fit_seconds": round(fit_seconds, 1),
              "peak_rss_mb": round(_peak_mb())}
    if model is None:
        result["model"] = None
        return result
    result.update(version=model.version, train_size=model.train_size,
                  test_size=model.test_size, auc=round(model.auc, 4),
                  brier=round(model.brier, 4), base_rate_brier=round(model.base_rate_brier, 4),
                  positives=model.parameters["positives"],
                  negatives=model.parameters["negatives"])
    result["top"] = [{"feature": name, "spread": round(spread, 3),
                      "weights": {t: round(w, 3) for t, w in sorted(
                          weights.items(), key=lambda kv: -kv[1])}}
                     for spread, name, weights in _top_effects(model)]
    ranked_names = [t["feature"] for t in result["top"]]
    checks = []
    for k, feature, token, sign in PLANTED:
        if k != kind:
            continue
        fp = next(f for f in model.parameters["features"] if f["name"] == feature)
        weight = fp["weights"].get(token)
        effect = None if weight is None else weight - fp["mean"]
        checks.append({"feature": feature, "token": token, "expected": "+" if sign > 0 else "-",
                       "effect": None if effect is None else round(effect, 3),
                       "right_sign": effect is not None and effect * sign > 0,
                       "rank": ranked_names.index(feature) + 1 if feature in ranked_names
                       else None})
    result["planted"] = checks
    t = time.perf_counter()
    cpu = time.process_time()
    rescore = services.rescore_all(kind=kind)
    result["rescore_all_seconds"] = round(time.perf_counter() - t, 1)
    result["rescore_all_cpu_seconds"] = round(time.process_time() - cpu, 1)
    result["scored_open"] = rescore["scored"]
    ids = list(spec.score_model.objects.order_by("pk").values_list("pk", flat=True)
               [:single_samples])
    times = []
    for pk in ids:
        t = time.perf_counter()
        services.records_rescore(kind=kind, ids=[pk], model=model)
        times.append((time.perf_counter() - t) * 1000)
    result["rescore_one_ms_median"] = round(statistics.median(times), 1) if times else None
    result["rescore_one_ms_max"] = round(max(times), 1) if times else None
    grades = dict(spec.score_model.objects.values_list("grade").annotate(
        n=django.db.models.Count("pk")).order_by("grade"))
    result["grades"] = grades
    result["peak_rss_mb"] = round(_peak_mb())
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=["lead", "opportunity"], action="append")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    django.setup()
    from django.db import connection

    print(f"Scoring bench on {connection.settings_dict['NAME']}")
    results = []
    for kind in args.kind or ["lead", "opportunity"]:
        result = run_kind(kind)
        results.append(result)
        print(json.dumps(result, indent=2, default=str))
    out = Path(args.out or Path(__file__).parent / "results"
               / f"scoring-{time.strftime('%Y-%m-%d')}.json")
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"Written to {out}")


if __name__ == "__main__":
    main()
