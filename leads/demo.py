"""Demo leads for `manage.py seed_demo`: ~25 current leads across statuses and sources, owned
by the demo sellers, written through the services so they carry events like real ones (then
spread over the last weeks); and a year of history: a few hundred leads created month by month
and since contacted, qualified or disqualified, written in bulk with their events and calls at
past times. The qualified ones become opportunities in the opportunities demo."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.models import Activity, ActivityKind, ActivityState, Event

from . import services
from .models import (
    DisqualifyReason,
    Lead,
    LeadSource,
    LeadStatus,
    Need,
    PurchaseTimeframe,
    Rating,
    WebForm,
)

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
    _spread_recent(leads, now, ctx["rng"])
    ctx["leads"] = leads
    ctx["history_leads"] = seed_history(ctx, now)


def _spread_recent(leads, now, rng) -> None:
    """Demo only: the current leads arrived over the last three weeks, not all today."""
    for index, lead in enumerate(leads):
        created = now - timedelta(days=21 * (len(leads) - index) / len(leads),
                                  hours=rng.randint(0, 6))
        changed = min(now, created + timedelta(days=rng.randint(1, 4)))
        Lead.objects.filter(pk=lead.pk).update(created_at=created)
        Lead.objects.filter(pk=lead.pk, status_changed_at__isnull=False).update(
            status_changed_at=changed)
        events = Event.objects.filter(record_type="lead", record_id=lead.pk)
        events.filter(action=EventType.CREATED).update(occurred_at=created)
        events.exclude(action=EventType.CREATED).update(occurred_at=changed)
        lead.created_at = created


# --- a year of history ------------------------------------------------------------------------

HISTORY_LEADS = 260
COMPANY_WORDS = ["Alder", "Birch", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor",
                 "Iris", "Juniper", "Keystone", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer",
                 "Quartz", "Redwood", "Summit", "Tidal", "Union", "Vertex", "Willow", "Zephyr"]
COMPANY_KINDS = ["Logistics", "Foods", "Dental", "Software", "Engineering", "Hotels",
                 "Insurance", "Media", "Motors", "Pharma", "Retail", "Systems", "Textiles",
                 "Travel", "Utilities", "Clinics"]
COMPANY_SUFFIXES = ["Ltd", "Inc", "GmbH", "LLC", "Group", "AG", "Co"]
FIRST = ["Alex", "Ana", "Ben", "Carla", "David", "Elif", "Felix", "Greta", "Hugo", "Ivy",
         "Jamal", "Kira", "Liam", "Maya", "Nils", "Olivia", "Paulo", "Rosa", "Simon", "Tara",
         "Umar", "Vera", "Wen", "Zoe"]
LAST = ["Andersen", "Baker", "Costa", "Dimitrov", "Evans", "Fernandez", "Gruber", "Hughes",
        "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "O'Brien", "Popescu",
        "Quinn", "Reyes", "Sato", "Turner", "Vogel", "Walsh", "Young", "Zimmermann"]
HISTORY_TOPICS = TOPICS + ["Field service scheduling", "Partner portal", "Customer support "
                           "desk", "Sales team licences", "Data migration from the old CRM"]
SOURCES = [("web", 30), ("trade_show", 12), ("partner", 10), ("word_of_mouth", 8),
           ("advertisement", 8), ("seminar", 8), ("employee_referral", 6),
           ("external_referral", 6), ("business_card", 6), ("email", 4),
           ("public_relations", 3), ("other", 2)]
CALL_NOTES = ["Intro call: explained the product, sending material.",
              "Discussed their current process and pain points.",
              "Left a voicemail, will try again.", "Checked budget and timing."]


def _weighted(rng, pairs):
    return rng.choices([v for v, _w in pairs], weights=[w for _v, w in pairs])[0]


def _history_status(rng, age_days: float) -> str:
    """Old leads are mostly decided; the recent ones are still being worked."""
    if age_days > 45:
        pairs = [("qualified", 33), ("disqualified", 64), ("contacted", 3)]
    elif age_days > 10:
        pairs = [("qualified", 18), ("disqualified", 22), ("contacted", 38), ("new", 22)]
    else:
        pairs = [("new", 60), ("contacted", 40)]
    return _weighted(rng, pairs)


def seed_history(ctx, now) -> list:
    """A year of leads, written in bulk with past timestamps. Returns the qualified ones (with
    `qualified_at` set) for the opportunities demo to turn into deals."""
    rng = ctx["rng"]
    sellers = ctx["sellers"]
    reasons = list(DisqualifyReason.values)
    leads, plans = [], []
    for n in range(HISTORY_LEADS):
        # More leads lately than a year ago: half uniform, half weighted toward today.
        u = rng.random()
        age = 365 * (u if n % 2 else 1 - (1 - u) ** 0.5)
        age = max(age, 0.2)
        created = now - timedelta(days=age, hours=rng.randint(0, 9))
        status = _history_status(rng, age)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = (f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} "
                   f"{rng.choice(COMPANY_SUFFIXES)}")
        domain = company.split()[0].lower() + company.split()[1].lower()
        value = Decimal(rng.choice([4, 6, 8, 12, 15, 18, 24, 30, 36, 45, 60, 75]) * 1000
                        + rng.randint(0, 9) * 100)
        changed = None
        if status != "new":
            changed = min(now - timedelta(hours=1),
                          created + timedelta(days=rng.uniform(2, min(40, max(age - 0.1, 2)))))
        lead = Lead(
            topic=rng.choice(HISTORY_TOPICS), first_name=first, last_name=last,
            company=company, job_title=rng.choice(["CEO", "CFO", "IT Director", "Buyer",
                                                   "Operations Manager", "Office Manager"]),
            email=f"{first.lower()}.{last.lower().replace(chr(39), '')}{n}@{domain}.example",
            business_phone=f"+1 555 4{n // 100:01d}{n % 100:02d} {1000 + n}",
            source=_weighted(rng, SOURCES), rating=rng.choice(Rating.values),
            estimated_value=value, budget_amount=value * Decimal("1.1"),
            purchase_timeframe=rng.choice(PurchaseTimeframe.values), need=Need.SHOULD_HAVE,
            estimated_close_date=(created + timedelta(days=rng.randint(30, 120))).date(),
            city=rng.choice(["Seattle", "Berlin", "Lyon", "Toronto", "Denver", "Madrid"]),
            owner=sellers[n % len(sellers)], status=status,
            status_reason=rng.choice(reasons) if status == "disqualified" else "",
            status_changed_at=changed, created_at=created, updated_at=changed or created,
        )
        lead.refresh_keys()
        leads.append(lead)
        plans.append((lead, created, changed))
    Lead.objects.bulk_create(leads, batch_size=200)

    events, calls, qualified = [], [], []
    source_labels = dict(LeadSource.choices)
    for lead, created, changed in plans:
        events.append(Event(record_type="lead", record_id=lead.pk, action=EventType.CREATED,
                            to_state="new", actor=lead.owner, occurred_at=created,
                            note=_("Source: %(source)s") % {
                                "source": source_labels[lead.source]}))
        if lead.status == "new":
            continue
        contacted = created + (changed - created) / 2
        calls.append(Activity(
            kind=ActivityKind.PHONE_CALL, state=ActivityState.COMPLETED, lead=lead,
            owner=lead.owner, subject=_("Intro call"), description=rng.choice(CALL_NOTES),
            direction="outgoing", duration_minutes=rng.choice([5, 10, 15, 20, 30]),
            completed_at=contacted, created_at=contacted, updated_at=contacted))
        if lead.status == "contacted":
            events.append(Event(record_type="lead", record_id=lead.pk, action=EventType.CONTACTED,
                                from_state="new", to_state="contacted", actor=lead.owner,
                                occurred_at=changed))
            continue
        events.append(Event(record_type="lead", record_id=lead.pk, action=EventType.CONTACTED,
                            from_state="new", to_state="contacted", actor=lead.owner,
                            occurred_at=contacted))
        if lead.status == "disqualified":
            events.append(Event(record_type="lead", record_id=lead.pk,
                                action=EventType.DISQUALIFIED, from_state="contacted",
                                to_state="disqualified", actor=lead.owner, occurred_at=changed,
                                data={"reason": lead.status_reason}))
        else:
            lead.qualified_at = changed
            qualified.append(lead)  # the opportunities demo writes the qualify event
    Event.objects.bulk_create(events, batch_size=500)
    Activity.objects.bulk_create(calls, batch_size=500)
    return qualified


def record_qualified(lead, opportunity_id: int) -> Event:
    """The `qualified` event of a history lead (unsaved; the caller bulk-creates them) and the
    link to the opportunity it became."""
    lead.qualifying_opportunity_id = opportunity_id
    return Event(record_type="lead", record_id=lead.pk, action=EventType.QUALIFIED,
                 from_state="contacted", to_state=LeadStatus.QUALIFIED, actor=lead.owner,
                 occurred_at=lead.qualified_at, data={"opportunity": opportunity_id})
