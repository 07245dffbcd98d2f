"""CPU per request, in-process: the figure to judge a change by on a busy machine.

    DEBUG=false CRM_BENCH=true ... python -m bench.cpu [--repeat 40] [--only lead] [--profile]

For every GET scenario of `bench.scenarios` (same users, same sample records as `make bench`)
it sends `repeat` requests one after the other through Django's test Client (production
settings, no HTTP, no concurrency) after two warm-up requests and prints the process CPU time
per request (user + system, so time other jobs take on the machine does not count), the wall
time and the SQL queries of one request. --profile prints cProfile's top functions per page.
"""

import argparse
import cProfile
import io
import os
import pstats
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--only", default="", help="comma-separated substrings of names")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.run import build_endpoints

    endpoints, _missing = build_endpoints()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    print(f"{'endpoint':<40} {'cpu ms':>7} {'wall ms':>8} {'queries':>7}  bytes")
    for ep in endpoints:
        if ep.method != "GET" or (only and not any(s in ep.name for s in only)):
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        extra = {}
        for name, value in ep.headers.items():
            if name == "Cookie":
                key, _, val = value.partition("=")
                client.cookies[key] = val
            else:
                extra["HTTP_" + name.upper().replace("-", "_")] = value
        for _ in range(2):
            response = client.get(ep.path, **extra)
        if response.status_code != 200:
            print(f"{ep.name:<40} HTTP {response.status_code}")
            continue
        profiler = cProfile.Profile() if args.profile else None
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(args.repeat):
            client.get(ep.path, **extra)
        if profiler:
            profiler.disable()
        cpu = (time.process_time() - c0) * 1000 / args.repeat
        wall = (time.perf_counter() - w0) * 1000 / args.repeat
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(ep.path, **extra)
        print(f"{ep.name:<40} {cpu:7.2f} {wall:8.2f} {len(ctx.captured_queries):7d}  "
              f"{len(response.content)}", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
