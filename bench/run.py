"""Run the load scenarios against a running server and write bench/results/<date>.md (+ .json,
.png and, with --profile, py-spy flame graphs).

    python -m bench.run --base http://127.0.0.1:8001 --duration 20 --server-pid <gunicorn pid>

Load: wrk with the peer kit's settings (`wrk -t2 -c8 -d20s --latency --timeout 30s`, after a
warm-up) for every GET; writes (POST) and machines without wrk use the stdlib loader of
`bench/load.py` with the same 8 connections. Per endpoint the report gives req/s, p50/p95/p99,
SQL queries (counted in-process after two warm-up requests, like the peer kit's
count_queries.py), the server's CPU ms per request (gunicorn master + workers, from /proc), one
request without load, and whether the machine was quiet: the load average and the idle CPU
before and during each run. With --peer-summary (the peer kit's summary.json, written by the
same `make bench-peer` run) each page with a peer page gets the ratio.

It reads sample ids, a session and an API token from the same database the server uses.
Endpoints whose app or URL does not exist are listed as not measured.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
RESULTS = Path(__file__).resolve().parent / "results"
LUA = Path(__file__).resolve().parent / "wrk_report.lua"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# Our page -> the peer kit's page (../shared/peers/creme, summary.json keys).
PEER_PAGES = {
    "account list": "organisations_list",
    "contact list": "contacts_list",
    "opportunity list": "opportunities_list",
    "opportunity detail": "opportunity_detail",
}


@dataclass
class Figures:
    name: str
    group: str
    path: str
    tool: str = ""
    requests: int = 0
    errors: int = 0
    rps: float = 0.0
    p50: float = float("nan")
    p95: float = float("nan")
    p99: float = float("nan")
    statuses: dict = field(default_factory=dict)
    queries: int | None = None
    one_request_ms: float | None = None
    cpu_ms: float | None = None
    idle_before: int | None = None
    idle_during: int | None = None
    load_before: float | None = None
    flame: str = ""


# --- the machine ---------------------------------------------------------------------------
def cpu_times() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def idle_pct(before: tuple[int, int], after: tuple[int, int]) -> int:
    busy, total = after[0] - before[0], after[1] - before[1]
    return round(100 * (total - busy) / total) if total else 0


def wait_quiet(max_wait: float = 10.0) -> int:
    """Wait (bounded) until >= 90 % of the CPU is idle; return the last idle % seen."""
    deadline = time.monotonic() + max_wait
    while True:
        t0 = cpu_times()
        time.sleep(1)
        idle = idle_pct(t0, cpu_times())
        if idle >= 90 or time.monotonic() > deadline:
            return idle


def server_pids(master: int | None) -> list[int]:
    if not master:
        return []
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry))
    return pids


def proc_ticks(pids: list[int]) -> dict[int, int]:
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return out


# --- load ----------------------------------------------------------------------------------
def wrk_args(ep) -> list[str]:
    args = []
    for name, value in ep.headers.items():
        args += ["-H", f"{name}: {value}"]
    return args


def run_wrk(base: str, ep, *, duration: float, threads: int, connections: int) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:.0f}s", "--latency",
           "--timeout", "30s", "-s", str(LUA), *wrk_args(ep), base + ep.path]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH "))
    return json.loads(line[6:])


def measure(base: str, ep, args, pids: list[int], profile_dir: Path | None) -> Figures:
    from bench.load import run_endpoint

    use_wrk = args.tool == "wrk" and ep.method == "GET"
    fig = Figures(ep.name, ep.group, ep.path, tool="wrk" if use_wrk else "python")
    if use_wrk:
        run_wrk(base, ep, duration=args.warmup, threads=args.threads,
                connections=args.connections)
    else:
        run_endpoint(base, ep, duration=args.warmup, concurrency=2)
    fig.idle_before = wait_quiet(args.quiet_wait)
    fig.load_before = os.getloadavg()[0]
    spy = None
    if profile_dir is not None and len(pids) > 1:
        slug = re.sub(r"[^a-z0-9]+", "-", ep.name.lower()).strip("-")
        svg = profile_dir / f"flame-{slug}.svg"
        spy = subprocess.Popen(
            ["py-spy", "record", "-p", str(pids[1]), "-d", f"{max(1, int(args.duration) - 1)}",
             "-r", "200", "-o", str(svg), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fig.flame = svg.name
    t0, p0 = cpu_times(), proc_ticks(pids)
    if use_wrk:
        r = run_wrk(base, ep, duration=args.duration, threads=args.threads,
                    connections=args.connections)
        ok = sum(n for code, n in r["statuses"].items() if int(code) < 400)
        fig.requests = r["requests"]
        fig.errors = r["requests"] - ok + r["socket_errors"]
        fig.rps = ok / (r["duration_us"] / 1e6)
        fig.p50, fig.p95, fig.p99 = r["p50_us"] / 1000, r["p95_us"] / 1000, r["p99_us"] / 1000
        fig.statuses = {int(k): v for k, v in r["statuses"].items()}
    else:
        r = run_endpoint(base, ep, duration=args.duration, concurrency=args.connections)
        ok = len(r.latencies)
        fig.requests, fig.errors, fig.rps = r.count, r.errors, r.rps
        fig.p50, fig.p95, fig.p99 = r.p50, r.pct(95), r.pct(99)
        fig.statuses = dict(r.statuses)
    t1, p1 = cpu_times(), proc_ticks(pids)
    if spy is not None:
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
    fig.idle_during = idle_pct(t0, t1)
    if pids and fig.requests:
        ticks = sum(p1[pid] - p0[pid] for pid in p1 if pid in p0)
        fig.cpu_ms = 1000 * ticks / CLK_TCK / fig.requests
    return fig


def count_queries(ep, repeat: int = 5) -> tuple[int | None, float | None]:
    """Queries of one warm request and the median wall time of `repeat` requests, in-process
    (Django's test Client on the same settings and database, DEBUG off)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if ep.method != "GET":
        return None, None
    client = Client(HTTP_HOST="127.0.0.1")
    extra = {}
    for name, value in ep.headers.items():
        if name == "Cookie":
            key, _, val = value.partition("=")
            client.cookies[key] = val
        else:
            extra["HTTP_" + name.upper().replace("-", "_")] = value
    for _ in range(2):
        client.get(ep.path, **extra)
    times = []
    count = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(ep.path, **extra)
            times.append((time.perf_counter() - t0) * 1000)
        if response.status_code >= 400:
            return None, None
        count = len(ctx.captured_queries)
    return count, statistics.median(times)


# --- scenarios -----------------------------------------------------------------------------
def session_cookie(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
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


# --- report --------------------------------------------------------------------------------
def _fmt(value, spec=".1f", none="—"):
    if value is None or (isinstance(value, float) and value != value):
        return none
    return format(value, spec)


def write_report(results: list[Figures], missing, args, peer: dict, stamp: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(exist_ok=True)
    floor = next((r for r in results if r.group == "floor"), None)
    floor_rps = floor.rps if floor else 0
    idles = [r.idle_before for r in results if r.idle_before is not None]
    quiet = bool(idles) and min(idles) >= 90
    worker = f"{args.workers} workers" + (f", {args.worker_class}" if args.worker_class else "")
    lines = [
        f"# Bench report {stamp}", "",
        f"Server: gunicorn {worker}, production settings (`DEBUG=false`). Load: "
        f"`wrk -t{args.threads} -c{args.connections} -d{args.duration:.0f}s --timeout 30s` per "
        f"GET after a {args.warmup:.0f} s warm-up (the peer kit's settings); writes with the "
        f"stdlib loader ({args.connections} connections). 127.0.0.1 only.", "",
        args.seed_info, "",
        ("The machine was quiet (>= 90 % idle CPU before every run)." if quiet else
         "**Measured on a busy machine** (other jobs were running: see the idle CPU before and "
         "during each run and the load average): throughput and latency are lower than on a "
         "quiet machine; CPU ms per request and the in-process single-request time are the "
         "figures to compare between runs."), "",
        "CPU ms/req: CPU time of the gunicorn master and workers during the run divided by the "
        "requests served (the database's own CPU is not included). One request: median wall "
        "time of 5 sequential in-process requests (Django test Client, no HTTP, no load). "
        "Queries: one warm request.", "",
        "| endpoint | group | requests | errors | req/s | p50 ms | p95 ms | p99 ms | queries "
        "| CPU ms/req | one request ms | idle before / during % | load avg | vs floor | peer req/s "
        "| ours / peer |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.rps / floor_rps:.2f}" if floor_rps else "—"
        peer_row = peer.get(PEER_PAGES.get(r.name, ""), {})
        peer_rps = peer_row.get("requests_per_s")
        vs_peer = f"{r.rps / peer_rps:.0f}×" if peer_rps else "—"
        lines.append(
            f"| {r.name} | {r.group} | {r.requests} | {r.errors} | {r.rps:.1f} | {_fmt(r.p50)} "
            f"| {_fmt(r.p95)} | {_fmt(r.p99)} | {_fmt(r.queries, 'd')} | {_fmt(r.cpu_ms)} "
            f"| {_fmt(r.one_request_ms)} | {_fmt(r.idle_before, 'd')} / "
            f"{_fmt(r.idle_during, 'd')} | {_fmt(r.load_before, '.2f')} | {ratio} "
            f"| {_fmt(peer_rps, '.2f')} | {vs_peer} |")
    if peer:
        lines += ["", f"Peer: Creme CRM, its kit's own run in the same `make bench-peer` "
                      f"invocation ({args.peer_summary}); its queries per page: "
                  + ", ".join(f"{k} {v.get('queries_warm')}" for k, v in peer.items()) + "."]
    if missing:
        lines += ["", "Not measured (the page or endpoint does not exist yet): "
                  + ", ".join(missing) + "."]
    flames = [r for r in results if r.flame]
    if flames:
        lines += ["", "Flame graphs (py-spy, one worker under the load above): "
                  + ", ".join(f"[{r.name}]({r.flame})" for r in flames) + "."]
    png = RESULTS / f"{stamp}.png"
    fig, ax = plt.subplots(figsize=(11, max(3, 0.35 * len(results) + 1)))
    names = [r.name for r in results]
    y = range(len(results))
    ax.barh([i - 0.25 for i in y], [r.p50 for r in results], height=0.25, label="p50")
    ax.barh(list(y), [r.p95 for r in results], height=0.25, label="p95")
    ax.barh([i + 0.25 for i in y], [r.p99 for r in results], height=0.25, label="p99")
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
    (RESULTS / f"{stamp}.json").write_text(json.dumps(
        [r.__dict__ for r in results], indent=1, default=str) + "\n")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8001")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", "--concurrency", type=int, default=8)
    parser.add_argument("--tool", choices=["wrk", "python"],
                        default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--server-pid", type=int, default=0, help="gunicorn master pid")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--quiet-wait", type=float, default=10,
                        help="seconds to wait for >= 90%% idle CPU before each run")
    parser.add_argument("--seed-info", default="")
    parser.add_argument("--only", default="", help="comma-separated substrings of endpoint names")
    parser.add_argument("--profile", default="",
                        help="comma-separated substrings: py-spy flame graphs of these endpoints")
    parser.add_argument("--peer-summary", default="", help="the peer kit's summary.json")
    parser.add_argument("--stamp", default=datetime.now(UTC).strftime("%Y-%m-%d"))
    args = parser.parse_args(argv)
    django.setup()
    from bench.load import wait_until_up

    wait_until_up(args.base)
    endpoints, missing = build_endpoints()
    pids = server_pids(args.server_pid)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    profile = [s.strip() for s in args.profile.split(",") if s.strip()]
    results = []
    for ep in endpoints:
        if only and ep.group != "floor" and not any(s in ep.name for s in only):
            continue
        prof_dir = RESULTS if any(s in ep.name for s in profile) else None
        fig = measure(args.base, ep, args, pids, prof_dir)
        fig.queries, fig.one_request_ms = count_queries(ep)
        results.append(fig)
        print(f"{ep.name:<40} {fig.rps:7.1f} req/s  p50 {fig.p50:6.1f}  p95 {fig.p95:6.1f}  "
              f"p99 {fig.p99:6.1f} ms  q {fig.queries}  cpu {_fmt(fig.cpu_ms)} ms/req  "
              f"1req {_fmt(fig.one_request_ms)} ms  idle {fig.idle_before}/{fig.idle_during}%  "
              f"errors {fig.errors} {fig.statuses}", flush=True)
    peer = json.loads(Path(args.peer_summary).read_text()) if args.peer_summary else {}
    out = write_report(results, missing, args, peer, args.stamp)
    print(f"report: {out}")


if __name__ == "__main__":
    main()
