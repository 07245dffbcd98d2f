"""Demo customers for `manage.py seed_demo`: twelve accounts with two or three contacts each."""

from decimal import Decimal

from .models import Account, Contact

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


def seed(ctx: dict) -> None:
    rng, sellers = ctx["rng"], ctx["sellers"]
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
    ctx.update(accounts=accounts, contacts=contacts)
