import random
from decimal import Decimal

import pytest

from quotes import demo
from quotes.models import Quote

from .factories import OpportunityFactory, OpportunityLineFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_builds_quotes_in_every_state_from_the_demo_opportunities(org):
    opportunities = [OpportunityFactory(owner=org.sam) for _ in range(7)]
    for opportunity in opportunities:
        OpportunityLineFactory(opportunity=opportunity, unit_price=Decimal("400.00"))
    ctx = {"opportunities": opportunities, "products": [], "rng": random.Random(1)}

    demo.seed(ctx)

    states = sorted((q.status, q.status_reason, q.revision) for q in Quote.objects.all())
    assert ("draft", "in_progress", 0) in states
    assert ("closed", "revised", 0) in states and ("active", "in_progress", 1) in states
    assert ("closed", "lost", 0) in states
    assert len(ctx["quotes"]) == 5


def test_demo_seed_does_nothing_without_opportunities(org):
    demo.seed({"opportunities": [], "products": []})
    assert not Quote.objects.exists()
