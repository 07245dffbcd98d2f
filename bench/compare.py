"""Before/after table of two `make bench` runs (their .json files), per endpoint.

    python -m bench.compare bench/results/before.json bench/results/after.json [--title ...]

Prints markdown: req/s, p95, queries, CPU ms per request and one request, before -> after,
with the CPU change in %; the machine's idle CPU during each run tells how comparable they are.
"""

import argparse
import json
from pathlib import Path


def _f(value, spec=".1f"):
    return "—" if value is None else format(value, spec)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args(argv)
    before = {r["name"]: r for r in json.loads(Path(args.before).read_text())}
    after = json.loads(Path(args.after).read_text())
    lines = [
        "| endpoint | req/s before → after | p95 ms before → after | queries before → after "
        "| CPU ms/req before → after | CPU change | one request ms before → after "
        "| idle CPU during (before / after) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in after:
        b = before.get(a["name"])
        if b is None:
            continue
        change = (f"{100 * (a['cpu_ms'] - b['cpu_ms']) / b['cpu_ms']:+.0f} %"
                  if a.get("cpu_ms") and b.get("cpu_ms") else "—")
        lines.append(
            f"| {a['name']} | {b['rps']:.1f} → {a['rps']:.1f} | {_f(b['p95'])} → {_f(a['p95'])} "
            f"| {_f(b['queries'], 'd')} → {_f(a['queries'], 'd')} "
            f"| {_f(b['cpu_ms'])} → {_f(a['cpu_ms'])} | {change} "
            f"| {_f(b['one_request_ms'])} → {_f(a['one_request_ms'])} "
            f"| {_f(b['idle_during'], 'd')} / {_f(a['idle_during'], 'd')} % |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
