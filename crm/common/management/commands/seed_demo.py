"""Create a believable demo company. Safe to run twice (it does nothing the second time).

Every app adds its demo records in a `demo.py` module with `seed(ctx)` (users, customers and
the catalog first: `crm/users/demo.py`, `crm/customers/demo.py`, `crm/catalog/demo.py`); they
run in INSTALLED_APPS order (core first, then leads, opportunities, quotes, invoices), so a later
app can build on what an earlier one made. `ctx` is a dict with "rng" and whatever earlier apps
added ("users", "sellers", "accounts", "contacts", "products", "price_list", "tax_rates", ...).
Besides the current records (made through the services), the apps write a year of history in
bulk with past timestamps, so every chart has a shape on the first login. Then each `demo.py`'s
optional `finish(ctx)` runs, in the same order (the timeline is aggregated, the assistant scans).
This command names no app: crm.common sits below all of them.
"""

import random
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction


def _demo_modules() -> list:
    return [import_module(f"{config.name}.demo") for config in apps.get_app_configs()
            if find_spec(config.name) and find_spec(f"{config.name}.demo")]


class Command(BaseCommand):
    help = "Create a demo company: every app's demo records (idempotent)."

    def handle(self, *args, **options):
        modules = _demo_modules()
        if any(getattr(m, "present", lambda: False)() for m in modules):
            self.stdout.write("Demo data already present; nothing to do.")
            return
        if connection.vendor == "sqlite":
            # The seed's services queue ~1,000 small tasks that run inline after the commit,
            # each committing on its own; without waiting for the disk on every one of them
            # `make run`'s first start is ~15 s faster. This connection only, this run only.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
        ctx: dict = {"rng": random.Random(2026)}
        with transaction.atomic():
            for module in modules:
                if hasattr(module, "seed"):
                    module.seed(ctx)
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo data created. {ctx.get('welcome', '')}"))
