"""Orders, invoices and payments for tests.

`make_order` builds an order with frozen lines directly (as order_create_from_quote leaves
it), so invoice and payment tests do not depend on the quote pipeline; `make_active_quote`
goes through the quotes services for the conversion tests.
"""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from crm.catalog.pricing import document_totals, line_totals
from invoices import services
from invoices.models import Order, OrderLine
from tests.factories import AccountFactory, UserFactory

# (product name, quantity, unit price, manual discount, tax rate): the PROCESS.md test vector.
VECTOR_LINES = [
    ("Online training seat", "1", "60.00", "0.00", "8"),
    ("Cable", "2", "6.00", "0.00", "8"),
    ("Scanner", "1", "100.00", "10.50", "8"),
]


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-T-{n:06d}")
    name = factory.Sequence(lambda n: f"Order {n}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    ordered_on = factory.LazyFunction(timezone.localdate)
    payment_terms = "net_30"


def make_order(*, owner=None, account=None, lines=VECTOR_LINES, freight="10.00",
               discount_percent="0", discount_amount="0.00", payment_terms="net_30",
               **kwargs) -> Order:
    """An active order priced by crm.catalog.pricing (default: the 184.42 test vector)."""
    owner = owner or UserFactory()
    account = account or AccountFactory(owner=owner)
    priced = [line_totals(quantity=q, unit_price=p, manual_discount=d, tax_rate=t)
              for _, q, p, d, t in lines]
    doc = document_totals(priced, discount_percent=discount_percent,
                          discount_amount=discount_amount, freight_amount=freight)
    order = OrderFactory(
        owner=owner, account=account, payment_terms=payment_terms,
        discount_percent=doc.discount_percent, discount_amount=doc.discount_amount,
        freight_amount=doc.freight_amount, detail_amount=doc.detail_amount,
        total_discount=doc.total_discount, total_tax=doc.total_tax, total=doc.total, **kwargs,
    )
    OrderLine.objects.bulk_create([
        OrderLine(order=order, sequence=i, product_name=name, quantity=Decimal(q),
                  unit_price=Decimal(p), manual_discount=t.manual_discount,
                  tax_rate=Decimal(tax), amount=t.amount, tax=t.tax)
        for i, ((name, q, p, _d, tax), t) in enumerate(zip(lines, priced, strict=True), start=1)
    ])
    return order


def make_invoice(*, order=None, actor=None, issue=True, issue_date: date | None = None,
                 **order_kwargs):
    """A whole-order invoice, issued unless `issue=False`."""
    order = order or make_order(**order_kwargs)
    actor = actor or order.owner
    invoice = services.invoice_create_from_order(order=order, actor=actor)
    if issue:
        invoice = services.invoice_issue(invoice=invoice, actor=actor, issue_date=issue_date)
    return invoice


def make_active_quote(*, owner, account=None, opportunity=None, lines=VECTOR_LINES,
                      freight="10.00"):
    """A quote built and activated through the quotes services (the 184.42 vector)."""
    from quotes import services as quote_services

    account = account or (opportunity.account if opportunity else None) or AccountFactory(
        owner=owner)
    quote = quote_services.quote_create(actor=owner, name="Quote for tests", account=account,
                                        opportunity=opportunity, freight_amount=Decimal(freight))
    for name, q, p, d, t in lines:
        quote_services.quote_add_line(quote=quote, actor=owner, write_in_name=name, quantity=q,
                                      unit_price=p, manual_discount=d, tax_rate=t)
    return quote_services.quote_activate(quote=quote, actor=owner)
