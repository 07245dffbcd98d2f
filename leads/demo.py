"""Demo leads for `manage.py seed_demo`: ~25 leads across statuses and sources, owned by the
demo sellers, written through the services so they carry events like real ones."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import DisqualifyReason, LeadSource, Need, PurchaseTimeframe, Rating, WebForm

PEOPLE = [
    # first, last, company, title, source, rating, value, timeframe
    ("Regina", "Murphy", "Contoso Pharmaceuticals", "Head of IT", "web", "hot", "48000",
     "this_quarter"),
    ("Diego", "Ramos", "Trey Research", "CFO", "trade_show", "warm", "22000", "next_quarter"),
    ("Aiko", "Sato", "Lucerne Publishing", "Operations Manager", "partner", "hot", "61000",
     "immediate"),
    ("Marcus", "Webb", "Wingtip Toys", "Purchasing Lead", "advertisement", "cold", "9000",
     "this_year"),
    ("Leila", "Haddad", "Margie's Travel", "CEO", "word_of_mouth", "warm", "15000",
     "this_quarter"),
    ("Jonas", "Berg", "Humongous Insurance", "IT Director", "seminar", "hot", "120000",
     "next_quarter"),
    ("Chloé", "Martin", "Datum Corporation", "Office Manager", "web", "cold", "4800",
     "unknown"),
    ("Kwame", "Mensah", "Relecloud", "VP Sales", "employee_referral", "warm", "36000",
     "this_year"),
    ("Sofia", "Lind", "Southridge Video", "Procurement Lead", "business_card", "warm", "18000",
     "this_quarter"),
    ("Tariq", "Aziz", "VanArsdel Ltd", "COO", "external_referral", "hot", "95000",
     "immediate"),
    ("Emma", "Novak", "Graphic Design Institute", "Director", "public_relations", "cold",
     "7000", "this_year"),
    ("Hiro", "Tanaka", "Fabrikam Residences", "Facility Manager", "trade_show", "warm",
     "26000", "next_quarter"),
    ("Grace", "Okafor", "Wide World Importers", "Buyer", "web", "hot", "54000",
     "this_quarter"),
    ("Luca", "Rossi", "First Up Consultants", "Partner", "partner", "warm", "12500",
     "this_year"),
    ("Nina", "Petrova", "Bellows College", "IT Manager", "seminar", "cold", "8800", "unknown"),
    ("Oliver", "Brown", "Northwind Traders", "Sales Director", "word_of_mouth", "hot",
     "72000", "immediate"),
    ("Ines", "Silva", "Alpine Ski House", "Owner", "business_card", "warm", "9900",
     "this_quarter"),
    ("Yusuf", "Demir", "City Power & Light", "Energy Lead", "advertisement", "warm", "41000",
     "next_quarter"),
    ("Hannah", "Schmidt", "Liberty's Delightful Sinful Bakery", "Owner", "web", "cold",
     "3000", "this_year"),
    ("Mateo", "Garcia", "Consolidated Messenger", "Logistics Head", "trade_show", "hot",
     "88000", "this_quarter"),
    ("Priya", "Patel", "Proseware Inc", "CTO", "partner", "hot", "56000", "immediate"),
    ("Chen", "Wei", "Tailspin Toys", "Buyer", "web", "warm", "14000", "this_quarter"),
    ("Sara", "Johansson", "Woodgrove Bank", "Innovation Lead", "seminar", "warm", "99000",
     "this_year"),
    ("Omar", "Khalil", "Adatum Corporation", "IT Admin", "other", "cold", "6000", "unknown"),
    ("Lena", "Fischer", "Coho Vineyard", "Marketing", "web", "warm", "11000", "next_quarter"),
]
TOPICS = ["CRM rollout for the sales team", "Replace spreadsheets with a CRM",
          "Quote and invoice automation", "Support renewal", "Onboarding workshop",
          "API integration with the web shop"]


def seed(ctx):
    sellers = ctx["sellers"]
    now = timezone.now()
    leads = []
    for i, (first, last, company, title, source, rating, value, timeframe) in enumerate(PEOPLE):
        owner = sellers[i % len(sellers)]
        domain = company.lower().replace("'", "").replace("&", "and").split()[0]
        lead = services.lead_create(
            actor=owner, topic=f"{TOPICS[i % len(TOPICS)]}", first_name=first, last_name=last,
            company=company, job_title=title, email=f"{first.lower()}.{last.lower()}@{domain}"
            f".example".replace("é", "e"),
            business_phone=f"+1 555 03{i:02d} {100 + i}", source=LeadSource(source),
            rating=Rating(rating), estimated_value=Decimal(value),
            estimated_close_date=(now + timedelta(days=20 + 9 * i)).date(),
            purchase_timeframe=PurchaseTimeframe(timeframe), need=Need.SHOULD_HAVE,
            budget_amount=Decimal(value) * Decimal("1.2"), city=["Seattle", "Berlin", "Lyon",
                                                                 "Toronto"][i % 4],
        )
        leads.append(lead)
    # Spread them across the life cycle (open ones stay the majority).
    for lead in leads[0:8]:
        services.lead_mark_contacted(lead=lead, actor=lead.owner, note="Intro call done.")
    reasons = list(DisqualifyReason)
    for n, lead in enumerate(leads[8:12]):
        services.lead_disqualify(lead=lead, actor=lead.owner, reason=reasons[n % len(reasons)])
    # A likely duplicate of the first lead, for the duplicate panel and merge.
    services.lead_create(actor=leads[0].owner, topic="Website enquiry", first_name="Regina",
                         last_name="Murphy", company="Contoso Pharmaceuticals Ltd",
                         email="regina.murphy@contoso.example", source=LeadSource.WEB)
    WebForm.objects.create(name="Website contact form", owner=sellers[0],
                           default_topic="Website enquiry")
    ctx["leads"] = leads
