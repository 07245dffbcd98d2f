"""Time every widget and the rendered dashboards for some users on the current database.

    manage.py dashboard_timing --user maria --user admin [--period this_year] [--repeat 3]

Prints each widget's aggregate time (best of N, fresh), then the page render time with fresh
figures and from the cache. Read-only: it computes and caches figures, it writes no records."""

import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import override_settings

from crm.insights.context import WidgetContext
from crm.insights.dashboards import MANAGER, SELLER
from crm.insights.periods import relative_period
from crm.insights.registry import dashboard_widgets
from crm.users.models import User


class Command(BaseCommand):
    help = "Time the dashboard widgets and pages for the given users."

    def add_arguments(self, parser):
        parser.add_argument("--user", action="append", required=True)
        parser.add_argument("--period", default="this_year")
        parser.add_argument("--repeat", type=int, default=3)

    def handle(self, *args, user, period, repeat, **options):
        users = list(User.objects.filter(username__in=user))
        if len(users) != len(set(user)):
            raise CommandError("Unknown user(s).")
        for u in users:
            self.stdout.write(f"== {u.username} ({u.role})")
            for w in dashboard_widgets(MANAGER):
                def run(widget=w, pk=u.pk):
                    # a fresh user object: the visibility lookups are not cached between runs
                    ctx = WidgetContext(user=User.objects.get(pk=pk),
                                        period=relative_period(period))
                    widget.compute(ctx)

                best = min(self._time(run) for _ in range(repeat))
                self.stdout.write(f"  {w.name:36s} {best * 1000:8.1f} ms")
            with override_settings(ALLOWED_HOSTS=["*"]):
                client = Client()
                client.force_login(u)
                for dashboard, url in ((MANAGER, f"/dashboards/manager/?period={period}"),
                                       (SELLER, "/")):
                    cache.clear()
                    fresh_url = url + ("&" if "?" in url else "?") + "refresh=1"
                    fresh = [self._time(client.get, fresh_url) for _ in range(repeat)]
                    cached = [self._time(client.get, url) for _ in range(repeat)]
                    self.stdout.write(
                        f"  page {dashboard.name:8s} fresh {statistics.median(fresh) * 1000:7.0f}"
                        f" ms, cached {statistics.median(cached) * 1000:6.0f} ms"
                    )

    @staticmethod
    def _time(fn, *args) -> float:
        start = time.perf_counter()
        fn(*args)
        return time.perf_counter() - start
