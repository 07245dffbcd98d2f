"""Run the load scenarios against a running server and write bench/results/<date>.md + PNG.

    python -m bench.run --base http://127.0.0.1:8001 --duration 10 --concurrency 8

It reads sample ids, a session and an API token from the same database the server uses.
Endpoints whose app or URL does not exist are listed as not measured.
"""

import argparse
import os
import time
from datetime import date
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
RESULTS = Path(__file__).resolve().parent / "results"


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def build_endpoints():
    from django.urls import NoReverseMatch, reverse
    from rest_framework.authtoken.models import Token

    from bench import scenarios
    from bench.load import Endpoint
    from crm.users.models import User

    seller = User.objects.filter(role="seller").order_by("id").first()
    manager = User.objects.filter(role="manager").order_by("id").first()
    token = Token.objects.get_or_create(user=seller)[0].key
    seller_h = {"Cookie": session_cookie(seller)}
    manager_h = {"Cookie": session_cookie(manager)}
    api_h = {"Authorization": f"Token {token}"}
    endpoints, missing = [Endpoint("floor (DRF, 50 fixed objects)", "/bench/floor/",
                                   group="floor")], []
    for spec in scenarios.specs(seller=seller, manager=manager):
        name, url_name, args, query, who, group = spec[:6]
        method = spec[6] if len(spec) > 6 else "GET"
        body = spec[7] if len(spec) > 7 else None
        try:
            path = url_name if url_name.startswith("/") else reverse(url_name, args=args)
        except NoReverseMatch:
            missing.append(name)
            continue
        headers = {"seller": seller_h, "manager": manager_h, "api": api_h}[who]
        endpoints.append(Endpoint(name, path + query, method=method, headers=headers,
                                  body=body, group=group))
    return endpoints, missing


def write_report(results, missing, args, seed_info: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(exist_ok=True)
    stamp = date.today().isoformat()
    floor = next((r for r in results if r.endpoint.group == "floor"), None)
    floor_rps = floor.rps if floor else 0
    lines = [f"# Bench report {stamp}", "",
             f"Server: gunicorn, 2 workers, production settings; client: {args.concurrency} "
             f"concurrent connections, {args.duration:.0f} s per endpoint, 127.0.0.1.", "",
             seed_info, "",
             "| endpoint | group | requests | errors | req/s | p50 ms | p95 ms | p99 ms | vs floor |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ratio = f"{r.rps / floor_rps:.2f}" if floor_rps else "—"
        lines.append(f"| {r.endpoint.name} | {r.endpoint.group} | {r.count} | {r.errors} | "
                     f"{r.rps:.1f} | {r.p50:.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | {ratio} |")
    if missing:
        lines += ["", "Not measured (the page or endpoint does not exist yet): "
                  + ", ".join(missing) + "."]
    png = RESULTS / f"{stamp}.png"
    fig, ax = plt.subplots(figsize=(11, max(3, 0.35 * len(results) + 1)))
    names = [r.endpoint.name for r in results]
    y = range(len(results))
    ax.barh([i - 0.25 for i in y], [r.p50 for r in results], height=0.25, label="p50")
    ax.barh(list(y), [r.pct(95) for r in results], height=0.25, label="p95")
    ax.barh([i + 0.25 for i in y], [r.pct(99) for r in results], height=0.25, label="p99")
    ax.set_yticks(list(y), names, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(50, color="red", linestyle="--", linewidth=1, label="50 ms target")
    ax.set_xlabel("latency (ms)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(png, dpi=90)
    lines += ["", f"![latency percentiles per endpoint]({png.name})", ""]
    out = RESULTS / f"{stamp}.md"
    out.write_text("\n".join(lines))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8001")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed-info", default="")
    parser.add_argument("--only", default="", help="substring filter on endpoint names")
    args = parser.parse_args(argv)
    django.setup()
    from bench.load import run_endpoint, wait_until_up

    wait_until_up(args.base)
    endpoints, missing = build_endpoints()
    results = []
    for ep in endpoints:
        if args.only and args.only not in ep.name and ep.group != "floor":
            continue
        run_endpoint(args.base, ep, duration=1.0, concurrency=2)  # warm-up
        result = run_endpoint(args.base, ep, duration=args.duration,
                              concurrency=args.concurrency)
        results.append(result)
        print(f"{ep.name:<45} {result.rps:7.1f} req/s  p50 {result.p50:6.1f}  "
              f"p95 {result.pct(95):6.1f}  p99 {result.pct(99):6.1f} ms  errors {result.errors}"
              f"  {dict(result.statuses)}", flush=True)
        time.sleep(0.2)
    out = write_report(results, missing, args, args.seed_info)
    print(f"report: {out}")


if __name__ == "__main__":
    main()
