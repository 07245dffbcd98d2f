"""Create a believable demo company. Safe to run twice (it does nothing the second time).

Each app may add its own demo records in a `demo.py` module with `seed(ctx)`; they run in
INSTALLED_APPS order (core first, then leads, opportunities, quotes, invoices), so a later app
can build on what an earlier one made. `ctx` is a dict with "users", "accounts", "contacts",
"products", "price_list", "tax_rates", "rng" and whatever earlier apps added. Besides the
current records (made through the services), the apps write a year of history in bulk with past
timestamps, so every chart has a shape on the first login; the timeline is aggregated at the end.
"""

import random
from decimal import Decimal
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from crm.activities.aggregation import catch_up
from crm.assistant.engine import scan as assistant_scan
from crm.catalog.models import PriceList, PriceListItem, Product, TaxRate
from crm.customers.models import Account, Contact
from crm.users.models import Role, Team, User

DEMO_PASSWORD = "demo1234!"
PEOPLE = [
    # username, first, last, role, team, manager
    ("admin", "Ada", "Admin", Role.ADMIN, None, None),
    ("maria", "Maria", "Manager", Role.MANAGER, "East", None),
    ("sam", "Sam", "Seller", Role.SELLER, "East", "maria"),
    ("sofia", "Sofia", "Ortiz", Role.SELLER, "East", "maria"),
    ("tom", "Tom", "Berg", Role.SELLER, "West", "maria"),
]
ACCOUNTS = [
    ("Contoso Ltd", "technology", "Seattle", "USA", "https://contoso.example", 1200, "250000000"),
    ("Fabrikam Inc", "manufacturing", "Chicago", "USA", "https://fabrikam.example", 5400,
     "910000000"),
    ("Adventure Works", "retail", "Denver", "USA", "https://adventure-works.example", 800,
     "120000000"),
    ("Litware Inc", "technology", "Boston", "USA", "https://litware.example", 300, "45000000"),
    ("Tailspin Toys", "retail", "Portland", "USA", "https://tailspin.example", 150, "22000000"),
    ("Northwind Health", "healthcare", "Minneapolis", "USA", "https://northwind-health.example",
     2300, "380000000"),
    ("Woodgrove Bank", "finance", "New York", "USA", "https://woodgrove.example", 9000,
     "2400000000"),
    ("Coho Winery", "agriculture", "Napa", "USA", "https://coho.example", 60, "8000000"),
    ("Blue Yonder Airlines", "transport", "Dallas", "USA", "https://blueyonder.example", 4100,
     "1300000000"),
    ("Alpine Ski House", "hospitality", "Innsbruck", "Austria", "https://alpine.example", 90,
     "12000000"),
    ("Fourth Coffee", "hospitality", "Vancouver", "Canada", "https://fourthcoffee.example", 240,
     "31000000"),
    ("Proseware Inc", "consulting", "Berlin", "Germany", "https://proseware.example", 410,
     "56000000"),
]
FIRST = ["Alex", "Jordan", "Priya", "Chen", "Lena", "Omar", "Grace", "Mateo", "Hannah",
         "Yuki", "Noah", "Fatima", "Lucas", "Emma", "Ravi", "Sara"]
LAST = ["Smith", "Nguyen", "Patel", "Müller", "Garcia", "Kim", "Johansson", "Rossi", "Dubois",
        "Okafor", "Silva", "Novak", "Brown", "Schmidt", "Tanaka", "Ivanova"]
TITLES = ["CEO", "CFO", "Head of Purchasing", "IT Director", "Operations Manager",
          "Procurement Lead", "VP Sales", "Office Manager"]
PRODUCTS = [
    ("CRM-SEAT", "CRM seat licence (annual)", "seat", "480.00"),
    ("CRM-SUPPORT", "Premium support (annual)", "year", "2400.00"),
    ("ONB-DAY", "Onboarding workshop", "day", "1200.00"),
    ("INT-API", "Integration package", "each", "3500.00"),
    ("HW-SCAN", "Business card scanner device", "each", "89.50"),
    ("TRN-SEAT", "Online training seat", "seat", "60.00"),
    ("DATA-MIG", "Data migration", "each", "5000.00"),
    ("CONS-HOUR", "Consulting hour", "hour", "150.00"),
]


class Command(BaseCommand):
    help = "Create demo users, customers and catalog (idempotent)."

    def handle(self, *args, **options):
        if User.objects.filter(username="sam").exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        if connection.vendor == "sqlite":
            # The seed's services queue ~1,000 small tasks that run inline after the commit,
            # each committing on its own; without waiting for the disk on every one of them
            # `make run`'s first start is ~15 s faster. This connection only, this run only.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
        with transaction.atomic():
            ctx = self._seed_core()
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(config.name) and find_spec(module_name):
                    import_module(module_name).seed(ctx)
            # History written in bulk carries no queued timeline task: aggregate it now, so
            # every timeline and "last activity" is filled on the first login.
            catch_up()
            # The assistant's cards about the history (overdue tasks, stale deals, close dates
            # passed...), as its nightly scan would make them.
            assistant_scan(full=True)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data created. Log in as sam, sofia, tom (sellers), maria (manager) or admin "
            f"with the password {DEMO_PASSWORD!r}."
        ))

    def _seed_core(self) -> dict:
        rng = random.Random(2026)
        teams = {name: Team.objects.create(name=name) for name in ("East", "West")}
        users = {}
        for username, first, last, role, team, manager in PEOPLE:
            user = User(
                username=username, first_name=first, last_name=last, role=role,
                email=f"{username}@northwind.example", team=teams.get(team),
                manager=users.get(manager), is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            users[username] = user
        sellers = [users["sam"], users["sofia"], users["tom"]]
        std = TaxRate.objects.create(name="Standard", rate=Decimal("8.000"), is_default=True)
        TaxRate.objects.create(name="Reduced", rate=Decimal("5.000"))
        TaxRate.objects.create(name="Zero", rate=Decimal("0.000"))
        price_list = PriceList.objects.create(name="Standard 2026", currency="USD",
                                              is_default=True)
        products = []
        for sku, name, unit, price in PRODUCTS:
            product = Product.objects.create(sku=sku, name=name, unit=unit,
                                             default_tax_rate=std, owner=users["admin"])
            PriceListItem.objects.create(price_list=price_list, product=product,
                                         unit_price=Decimal(price))
            products.append(product)
        accounts, contacts = [], []
        for i, (name, industry, city, country, web, emp, rev) in enumerate(ACCOUNTS):
            owner = sellers[i % len(sellers)]
            domain = web.split("//")[1]
            account = Account.objects.create(
                name=name, industry=industry, city=city, country=country, website=web,
                employees=emp, annual_revenue=Decimal(rev), owner=owner,
                phone=f"+1 555 01{i:02d}", email=f"info@{domain}",
                street=f"{100 + i * 7} Main Street", postal_code=f"{10000 + i * 311}",
            )
            accounts.append(account)
            for j in range(2 + i % 2):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                contact = Contact.objects.create(
                    first_name=first, last_name=last, job_title=rng.choice(TITLES),
                    email=f"{first.lower()}.{last.lower()}{j}@{domain}".replace("ü", "ue"),
                    business_phone=f"+1 555 02{i:02d}{j}", account=account, owner=owner,
                    city=city, country=country,
                )
                contacts.append(contact)
            account.primary_contact = contacts[-1]
            account.save(update_fields=["primary_contact"])
        return {"users": users, "sellers": sellers, "teams": teams, "accounts": accounts,
                "contacts": contacts, "products": products, "price_list": price_list,
                "tax_rates": {"standard": std}, "rng": rng}
