"""Records the dashboard and forecast tests count, built directly with fixed dates (the
widgets read fields, not flows), and the small fixed data set whose figures the tests
compute by hand."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from crm.activities.models import Activity, ActivityKind
from invoices.models import Invoice, Order
from leads.models import Lead
from opportunities.models import Opportunity, StageChange
from quotes.models import Quote
from tests.factories import AccountFactory, UserFactory


def aware(d: date, hour=12) -> datetime:
    return timezone.make_aware(datetime(d.year, d.month, d.day, hour))


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    topic = factory.Sequence(lambda n: f"Wants scanners {n}")
    last_name = factory.Sequence(lambda n: f"Lead{n:05d}")
    company = factory.Sequence(lambda n: f"Lead Co {n:05d}")
    source = "web"
    owner = factory.SubFactory(UserFactory)


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    topic = factory.Sequence(lambda n: f"Deal {n:05d}")
    owner = factory.SubFactory(UserFactory)
    estimated_revenue = Decimal("1000.00")
    probability = 10


class StageChangeFactory(DjangoModelFactory):
    class Meta:
        model = StageChange

    opportunity = factory.SubFactory(OpportunityFactory)
    from_stage = "qualify"
    to_stage = "develop"
    time_in_previous_stage = timedelta(days=1)


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.TASK
    subject = factory.Sequence(lambda n: f"Follow up {n}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-D-{n:06d}")
    name = factory.Sequence(lambda n: f"Order {n}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    ordered_on = factory.LazyFunction(timezone.localdate)


class InvoiceFactory(DjangoModelFactory):
    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"INV-D-{n:06d}")
    name = factory.Sequence(lambda n: f"Invoice {n}")
    owner = factory.SubFactory(UserFactory)
    order = factory.SubFactory(OrderFactory, owner=factory.SelfAttribute("..owner"))
    status = "active"
    total = Decimal("100.00")
    amount_paid = Decimal("0.00")


class QuoteFactory(DjangoModelFactory):
    class Meta:
        model = Quote

    name = factory.Sequence(lambda n: f"Quote {n}")
    number = factory.Sequence(lambda n: f"QUO-D-{n:06d}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    total = Decimal("100.00")


Q2_START, Q2_END = date(2026, 4, 1), date(2026, 6, 30)
TODAY = date(2026, 6, 30)


@dataclass
class DataSet:
    org: object
    opportunities: dict


def won(owner, est, actual, closed_on, created_on, **kw):
    return OpportunityFactory(owner=owner, status="won", status_reason="won",
                              forecast_category="won", stage="close", estimated_revenue=est,
                              actual_revenue=actual, actual_close_date=closed_on,
                              created_at=aware(created_on), probability=100, **kw)


def lost(owner, est, closed_on, **kw):
    return OpportunityFactory(owner=owner, status="lost", status_reason="out_sold",
                              forecast_category="lost", estimated_revenue=est,
                              actual_close_date=closed_on, probability=0, **kw)


def open_opp(owner, stage, est, probability, category, close_on, **kw):
    return OpportunityFactory(owner=owner, stage=stage, estimated_revenue=est,
                              probability=probability, forecast_category=category,
                              estimated_close_date=close_on, **kw)


def build_dataset(org) -> DataSet:
    """The fixed data set of the figure tests (Q2 2026 = April to June, today = 30 June).

    East: maria (manager) over sam and sofia, and over walt (West) who manages tom.
    olga (North) is outside everybody's scope but the admin's."""
    sam, sofia, tom, olga = org.sam, org.sofia, org.tom, org.olga
    o = {
        "o1": open_opp(sam, "develop", "1000.00", 30, "pipeline", date(2026, 5, 10)),
        "o2": open_opp(sam, "propose", "2000.00", 60, "committed", date(2026, 5, 20)),
        "o3": won(sam, "3000.00", "2800.00", date(2026, 4, 15), date(2026, 3, 16)),
        "o4": lost(sam, "500.00", date(2026, 5, 1)),
        "o5": open_opp(sofia, "qualify", "4000.00", 10, "best_case", date(2026, 6, 1)),
        "o6": won(sofia, "1000.00", "1000.00", date(2026, 6, 10), date(2026, 5, 31)),
        "o7": open_opp(tom, "close", "5000.00", 80, "committed", date(2026, 4, 30)),
        "o8": lost(tom, "700.00", date(2026, 4, 20)),
        "o9": open_opp(tom, "develop", "600.00", 30, "omitted", date(2026, 5, 5)),
        "o10": open_opp(olga, "develop", "9999.00", 30, "committed", date(2026, 5, 5)),
        # outside Q2: closes in July, won in March
        "o11": open_opp(sam, "develop", "800.00", 30, "committed", date(2026, 7, 2)),
        "o12": won(sofia, "900.00", "900.00", date(2026, 3, 20), date(2026, 1, 10)),
    }
    # Stage history (moves in Q2 and one in Q1 that the period leaves out)
    StageChangeFactory(opportunity=o["o1"], from_stage="qualify", to_stage="develop",
                       time_in_previous_stage=timedelta(days=4), changed_at=aware(date(2026, 4, 3)))
    StageChangeFactory(opportunity=o["o2"], from_stage="qualify", to_stage="develop",
                       time_in_previous_stage=timedelta(days=2), changed_at=aware(date(2026, 4, 5)))
    StageChangeFactory(opportunity=o["o2"], from_stage="develop", to_stage="propose",
                       time_in_previous_stage=timedelta(days=10),
                       changed_at=aware(date(2026, 4, 15)))
    StageChangeFactory(opportunity=o["o7"], from_stage="develop", to_stage="propose",
                       time_in_previous_stage=timedelta(days=6), changed_at=aware(date(2026, 5, 2)))
    StageChangeFactory(opportunity=o["o10"], from_stage="qualify", to_stage="develop",
                       time_in_previous_stage=timedelta(days=100),
                       changed_at=aware(date(2026, 5, 2)))
    StageChangeFactory(opportunity=o["o1"], from_stage="develop", to_stage="qualify",
                       time_in_previous_stage=timedelta(days=50),
                       changed_at=aware(date(2026, 2, 2)))
    # Leads created in Q2 (and one in Q1)
    q2 = aware(date(2026, 5, 5))
    LeadFactory(owner=sam, source="web", status="new", created_at=q2)
    LeadFactory(owner=sam, source="web", status="contacted", created_at=q2)
    LeadFactory(owner=sam, source="web", status="qualified", created_at=q2)
    LeadFactory(owner=sam, source="trade_show", status="qualified", created_at=q2)
    LeadFactory(owner=sofia, source="web", status="new", created_at=q2)
    LeadFactory(owner=olga, source="web", status="qualified", created_at=q2)
    LeadFactory(owner=olga, source="web", status="new", created_at=q2)
    LeadFactory(owner=sam, source="seminar", status="new", created_at=aware(date(2026, 2, 1)))
    # Invoices (aging as of 30 June)
    InvoiceFactory(owner=sam, total="100.00", due_date=date(2026, 7, 10))
    InvoiceFactory(owner=sam, total="200.00", amount_paid="50.00", due_date=date(2026, 6, 15))
    InvoiceFactory(owner=sam, total="300.00", due_date=date(2026, 5, 1))
    InvoiceFactory(owner=sam, total="400.00", due_date=date(2026, 3, 1))
    InvoiceFactory(owner=sam, total="500.00", amount_paid="500.00", status="paid",
                   due_date=date(2026, 3, 1))
    InvoiceFactory(owner=tom, total="1000.00", due_date=date(2026, 4, 15))
    InvoiceFactory(owner=olga, total="999.00", due_date=date(2026, 6, 1))
    # Quotes created in Q2: a revised one counts once (its new revision), olga's is unseen
    QuoteFactory(owner=sam, status="draft", total="150.00", created_at=q2)
    QuoteFactory(owner=sam, status="active", total="250.00", created_at=q2)
    QuoteFactory(owner=sam, status="closed", status_reason="revised", total="240.00",
                 created_at=q2)
    QuoteFactory(owner=tom, status="won", total="1000.00", created_at=q2)
    QuoteFactory(owner=olga, status="won", total="5000.00", created_at=q2)
    QuoteFactory(owner=sam, status="won", total="70.00", created_at=aware(date(2026, 1, 5)))
    return DataSet(org=org, opportunities=o)
