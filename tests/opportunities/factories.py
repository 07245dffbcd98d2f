from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from opportunities.models import Opportunity, OpportunityLine
from tests.factories import AccountFactory, UserFactory


class OpportunityFactory(DjangoModelFactory):
    """An open opportunity in `qualify` (pass `stage=` to start elsewhere)."""

    class Meta:
        model = Opportunity

    topic = factory.Sequence(lambda n: f"Opportunity {n:05d}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    estimated_revenue = Decimal("1000.00")
    currency = "USD"


class OpportunityLineFactory(DjangoModelFactory):
    class Meta:
        model = OpportunityLine

    opportunity = factory.SubFactory(OpportunityFactory)
    write_in_name = factory.Sequence(lambda n: f"Service {n}")
    quantity = Decimal("1.00")
    unit_price = Decimal("100.00")
    amount = Decimal("100.00")


def ready_to_advance(opportunity):
    """Fill the default required steps of every stage (so advance passes each gate)."""
    from datetime import date

    Opportunity.objects.filter(pk=opportunity.pk).update(
        purchase_timeframe="this_quarter", customer_need="Faster invoicing",
        proposal_presented=True, decision_date=date(2026, 12, 15),
    )
    opportunity.refresh_from_db()
    return opportunity
