"""Factories for quotes (and the opportunities they come from) used by the quotes tests."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from crm.catalog import pricing
from opportunities.models import Opportunity, OpportunityLine
from quotes import services
from quotes.models import Quote
from tests.factories import AccountFactory, ContactFactory, PriceListFactory, UserFactory


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    topic = factory.Sequence(lambda n: f"Deal {n:04d}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    contact = factory.SubFactory(ContactFactory, account=factory.SelfAttribute("..account"),
                                 owner=factory.SelfAttribute("..owner"))
    price_list = factory.SubFactory(PriceListFactory)
    currency = factory.SelfAttribute("price_list.currency")


class OpportunityLineFactory(DjangoModelFactory):
    class Meta:
        model = OpportunityLine

    opportunity = factory.SubFactory(OpportunityFactory)
    write_in_name = factory.Sequence(lambda n: f"Service {n}")
    quantity = Decimal("1")
    unit_price = Decimal("100.00")
    manual_discount = Decimal("0.00")
    tax_rate = Decimal("0.00")
    sort_order = factory.Sequence(int)

    @factory.lazy_attribute
    def amount(self):
        return pricing.line_totals(quantity=self.quantity, unit_price=self.unit_price,
                                   manual_discount=self.manual_discount,
                                   tax_rate=self.tax_rate).amount

    @factory.lazy_attribute
    def tax(self):
        return pricing.line_totals(quantity=self.quantity, unit_price=self.unit_price,
                                   manual_discount=self.manual_discount,
                                   tax_rate=self.tax_rate).tax


def make_quote(*, owner, lines=(), opportunity=None, **data) -> Quote:
    """A draft quote for `owner` through the services, with write-in `lines` given as
    (name, quantity, unit_price, tax_rate) tuples or dicts of quote_add_line arguments."""
    if opportunity is None:
        opportunity = OpportunityFactory(owner=owner)
    quote = services.quote_create_from_opportunity(opportunity=opportunity, actor=owner, **data)
    for line in lines:
        if isinstance(line, dict):
            services.quote_add_line(quote=quote, actor=owner, **line)
        else:
            name, quantity, unit_price, tax_rate = line
            services.quote_add_line(quote=quote, actor=owner, write_in_name=name,
                                    quantity=quantity, unit_price=unit_price, tax_rate=tax_rate)
    return Quote.objects.get(pk=quote.pk)


def make_active_quote(*, owner, lines=(("Consulting", "1", "100.00", "0"),), **data) -> Quote:
    quote = make_quote(owner=owner, lines=lines, **data)
    return services.quote_activate(quote=quote, actor=owner)


def add_lines(quote: Quote, count: int, *, unit_price="10.00", tax_rate="8") -> Quote:
    """Bulk-add `count` write-in lines to a draft (fast, for volume and query-count tests) and
    store the totals the services would compute."""
    from quotes.models import QuoteLine

    lines = []
    for i in range(count):
        totals = pricing.line_totals(quantity="1", unit_price=unit_price, tax_rate=tax_rate)
        lines.append(QuoteLine(quote=quote, product_name=f"Item {i + 1:03d}", sku=f"IT-{i:03d}",
                               unit="each", quantity=Decimal("1"),
                               unit_price=Decimal(unit_price), tax_rate=Decimal(tax_rate),
                               amount=totals.amount, tax=totals.tax, sort_order=i))
    QuoteLine.objects.bulk_create(lines)
    doc = pricing.document_totals([pricing.line_totals(quantity="1", unit_price=unit_price,
                                                       tax_rate=tax_rate)] * count,
                                  discount_percent=quote.discount_percent,
                                  discount_amount=quote.discount_amount,
                                  freight_amount=quote.freight_amount)
    Quote.objects.filter(pk=quote.pk).update(detail_amount=doc.detail_amount,
                                             total_discount=doc.total_discount,
                                             total_tax=doc.total_tax, total=doc.total)
    return Quote.objects.get(pk=quote.pk)
