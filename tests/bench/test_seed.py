"""The scale data generator works end to end (at a tiny scale) and respects the models."""

import pytest

from bench.seed import Seeder

pytestmark = pytest.mark.django_db


def test_generator_fills_every_app_consistently_and_deterministically():
    from crm.activities.models import Activity, TimelineEntry
    from crm.customers.models import Account, Contact
    from invoices.models import Invoice, Order, Payment
    from leads.models import Lead
    from opportunities.models import Opportunity, OpportunityLine, StageChange
    from quotes.models import Quote, QuoteLine

    seeder = Seeder(scale=0.0004, seed=7)
    seeder.seed_users()
    seeder.seed_catalog()
    seeder.seed_customers()
    seeder.seed_pipeline()

    assert (Account.objects.count(), Contact.objects.count()) == (80, 120)
    assert Lead.objects.count() == 400
    assert set(Lead.objects.values_list("status", flat=True)) == {
        "new", "contacted", "qualified", "disqualified"}
    assert Opportunity.objects.count() == 100
    assert OpportunityLine.objects.exists() and StageChange.objects.exists()
    assert Quote.objects.count() == 40 and QuoteLine.objects.count() == 160
    assert Order.objects.exists() and Invoice.objects.count() == Order.objects.count()
    assert Payment.objects.exists()
    assert Activity.objects.count() == 1200
    # every activity has its direct timeline entry, and rollups reach the accounts
    assert TimelineEntry.objects.filter(is_rollup=False).count() == 1200
    assert TimelineEntry.objects.filter(is_rollup=True, record_type="account").exists()
    # derived figures are consistent with the lines
    quote = Quote.objects.order_by("id").first()
    lines = list(quote.lines.all())
    assert quote.detail_amount == sum(line.amount for line in lines)
    assert quote.total == quote.detail_amount + sum(line.tax for line in lines)
    # deterministic for a given seed: the first lead is always the same
    first = Lead.objects.order_by("id").first()
    assert first.email.startswith(f"{first.first_name.lower()}.")
    assert sum(1 for row in seeder.report if row[1] > 0) >= 15
