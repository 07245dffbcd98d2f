"""Run the assistant scan by hand: `manage.py assistant_scan [--full] [--kind KIND ...]`.

Prints what changed, the wall time and the process's peak memory, so an operator can see what a
scan costs on their data (the beat job runs the same code every 15 minutes).
"""

import json
import resource
import time

from django.core.management.base import BaseCommand

from crm.assistant import engine
from crm.assistant.registry import rules


class Command(BaseCommand):
    help = "Run the assistant scan (incremental by default) and report time and peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="look at every record")
        parser.add_argument("--kind", action="append", choices=sorted(rules),
                            help="only this card kind (repeatable)")

    def handle(self, *args, full=False, kind=None, **options):
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        stats = engine.scan(full=full, kinds=set(kind) if kind else None)
        elapsed = time.perf_counter() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        report = {"mode": "full" if full else "incremental", "seconds": round(elapsed, 2),
                  "peak_rss_mb": round(rss_peak / 1024, 1),
                  "rss_growth_mb": round((rss_peak - rss_before) / 1024, 1), **stats.as_dict()}
        self.stdout.write(json.dumps(report, indent=2))
