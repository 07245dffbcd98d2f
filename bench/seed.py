"""Fill PostgreSQL with a realistic data set at scale: `python -m bench.seed --scale 1`.

Scale 1: 200 users in 20 teams under 4 managers, 200,000 accounts, 300,000 contacts,
1,000,000 leads, 250,000 opportunities with lines and stage history, 100,000 quotes with
400,000 lines, 50,000 orders, 50,000 invoices with payments, 3,000,000 activities with their
timeline entries — for whichever apps exist. Rows go in through PostgreSQL COPY in chunks, with
every column the model has (defaults filled from the model), so constraints hold. Deterministic
for a given --seed. Prints rows per second per table.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

FIRST = ["Alex", "Jordan", "Priya", "Chen", "Lena", "Omar", "Grace", "Mateo", "Hannah", "Yuki",
         "Noah", "Fatima", "Lucas", "Emma", "Ravi", "Sara", "Ivan", "Mia", "Kofi", "Elena"]
LAST = ["Smith", "Nguyen", "Patel", "Mueller", "Garcia", "Kim", "Johansson", "Rossi", "Dubois",
        "Okafor", "Silva", "Novak", "Brown", "Schmidt", "Tanaka", "Ivanova", "Lopez", "Chen"]
WORDS = ["Global", "Blue", "North", "Quantum", "Green", "Silver", "Apex", "Summit", "Pioneer",
         "Vertex", "Harbor", "Cedar", "Atlas", "Nova", "Iron", "Bright", "Coastal", "Prime"]
SUFFIX = ["Ltd", "Inc", "GmbH", "Group", "Systems", "Labs", "Partners", "Holdings", "Co"]
CITIES = [("Seattle", "USA"), ("Berlin", "Germany"), ("Paris", "France"), ("Madrid", "Spain"),
          ("London", "UK"), ("Toronto", "Canada"), ("Chicago", "USA"), ("Austin", "USA")]
INDUSTRIES = ["technology", "manufacturing", "retail", "finance", "healthcare", "consulting",
              "hospitality", "transport", "education", "other"]


def weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class Seeder:
    def __init__(self, scale: float, seed: int):
        from django.utils import timezone

        self.scale = scale
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.report: list = []
        self.ids: dict[str, list[int]] = {}
        self.first_names, self.last_names, self.words, self.suffixes = FIRST, LAST, WORDS, SUFFIX
        self.cities = CITIES

    def n(self, full: int, minimum: int = 1) -> int:
        return max(minimum, int(full * self.scale))

    # --- generic row building: every concrete column, defaults from the model ---------------
    def load(self, model, count: int, make, label: str | None = None) -> list[int]:
        from bench.copy import Timer, copy_rows, reset_sequence

        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ["id"] + [f.attname for f in fields]
        start_id = (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        ids = list(range(start_id, start_id + count))

        missing = object()
        plan = []
        for f in fields:
            if f.has_default():
                default = f.default
                plan.append((f.attname, f.name, default if callable(default) else
                             f.get_default(), callable(default)))
            else:
                plan.append((f.attname, f.name, None if f.null else "", False))

        def rows():
            for i, pk in enumerate(ids):
                values = make(i, pk)
                get = values.get
                row = [pk]
                append = row.append
                for attname, name, default, is_callable in plan:
                    v = get(attname, missing)
                    if v is missing:
                        v = get(name, missing)
                        if v is missing:
                            v = default() if is_callable else default
                        elif hasattr(v, "pk"):
                            v = v.pk
                    append(v)
                yield row

        with Timer(label or model._meta.label, self.report) as t:
            copy_rows(model, columns, rows())
        t.done(count)
        reset_sequence(model)
        return ids

    def ago(self, max_days: int):
        return self.now - timedelta(days=self.rng.random() * max_days)

    # --- core ------------------------------------------------------------------------------
    def seed_users(self):
        from django.contrib.auth.hashers import make_password

        from crm.users.models import Team, User

        rng = self.rng
        teams = [Team.objects.create(name=f"Team {i + 1:02d}") for i in range(20)]
        password = make_password("bench-pass-1")
        managers = []
        for i in range(4):
            managers.append(User.objects.create(
                username=f"manager{i + 1}", first_name="Manager", last_name=f"{i + 1}",
                role="manager", team=teams[i * 5], password=password,
            ))
        users = []
        for i in range(196):
            team = teams[i % 20]
            users.append(User(
                username=f"seller{i + 1:03d}", first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST), role="seller", team=team,
                manager=managers[(i % 20) // 5], password=password,
            ))
        User.objects.bulk_create(users, batch_size=500)
        User.objects.create(username="benchadmin", role="admin", is_staff=True,
                            is_superuser=True, password=password)
        self.sellers = list(User.objects.filter(role="seller").values_list("id", flat=True))
        self.managers = [m.pk for m in managers]
        self.owners = self.sellers + self.managers
        self.report.append(("users + teams", 221, 0.0))

    def seed_catalog(self):
        from crm.catalog.models import PriceList, PriceListItem, Product, TaxRate

        admin = self.owners[0]
        tax = TaxRate.objects.create(name="Standard", rate=Decimal("8"), is_default=True)
        pl = PriceList.objects.create(name="Bench list", currency="USD", is_default=True)
        products = Product.objects.bulk_create([
            Product(sku=f"P-{i:04d}", name=f"Product {i}", owner_id=admin, default_tax_rate=tax)
            for i in range(500)
        ])
        PriceListItem.objects.bulk_create([
            PriceListItem(price_list=pl, product=p,
                          unit_price=Decimal(self.rng.randrange(1000, 500000)) / 100)
            for p in products
        ])
        self.products = [p.pk for p in products]
        self.product_price = [i.unit_price for i in PriceListItem.objects.filter(
            price_list=pl).order_by("product_id")]
        self.price_list = pl
        self.tax = tax

    def seed_customers(self):
        from crm.customers.models import Account, Contact

        rng = self.rng
        n_acc = self.n(200_000)

        def account(i, pk):
            city, country = rng.choice(CITIES)
            created = self.ago(1500)
            return {"name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIX)} {pk}",
                    "industry": rng.choice(INDUSTRIES), "city": city, "country": country,
                    "owner_id": rng.choice(self.owners), "created_at": created,
                    "updated_at": created, "employees": rng.randrange(5, 20000),
                    "email": f"info@acc{pk}.example", "phone": f"+1 555 {pk % 10000:04d}"}

        self.accounts = self.load(Account, n_acc, account)
        n_con = self.n(300_000)

        def contact(i, pk):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            acc = self.accounts[i % len(self.accounts)]
            created = self.ago(1500)
            return {"first_name": first, "last_name": last, "account_id": acc,
                    "email": f"{first.lower()}.{last.lower()}{pk}@acc{acc}.example",
                    "owner_id": rng.choice(self.owners), "created_at": created,
                    "updated_at": created, "job_title": "Buyer"}

        self.contacts = self.load(Contact, n_con, contact)
        self.contact_account = dict(zip(self.contacts, [self.accounts[i % len(self.accounts)]
                                                        for i in range(n_con)], strict=True))

    # --- pipeline apps (each runs only if the app has its models) ------------------------------
    def seed_pipeline(self):
        from bench import seed_pipeline

        seed_pipeline.run(self)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--flush", action="store_true",
                        help="truncate the CRM tables first (the database must be a bench one)")
    args = parser.parse_args(argv)
    django.setup()
    from django.conf import settings
    from django.db import connection

    if not settings.IS_POSTGRES:
        sys.exit("bench.seed needs PostgreSQL (set DATABASE_URL)")
    from crm.users.models import User

    if args.flush:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname='public' AND "
                           "tablename NOT LIKE 'django_%' AND tablename NOT LIKE 'auth_permission'"
                           " AND tablename NOT LIKE 'auth_group%'")
            tables = [r[0] for r in cursor.fetchall()]
            cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
    elif User.objects.exists():
        sys.exit("the database already has users; use --flush on a bench database")
    seeder = Seeder(args.scale, args.seed)
    started = time.perf_counter()
    print(f"Seeding scale {args.scale} (seed {args.seed}) into {connection.settings_dict['NAME']}")
    seeder.seed_users()
    seeder.seed_catalog()
    seeder.seed_customers()
    seeder.seed_pipeline()
    with connection.cursor() as cursor:
        # VACUUM too: the seed updates rows after inserting them (half the tuples are dead) and
        # a live database is autovacuumed; without it no index-only scan is possible.
        cursor.execute("VACUUM ANALYZE")
    total_rows = sum(r[1] for r in seeder.report)
    elapsed = time.perf_counter() - started
    print(f"Done: {total_rows:,} rows in {elapsed:.1f} s ({total_rows / elapsed:,.0f} rows/s)")
    return seeder


if __name__ == "__main__":
    main()
