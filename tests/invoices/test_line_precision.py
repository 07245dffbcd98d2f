"""One quantity and tax-rate precision for every line (crm.catalog.models.LINE_QUANTITY and
TAX_RATE): a line copies from opportunity to quote to order to invoice unchanged."""

from decimal import Decimal

import pytest

from invoices import services
from opportunities import services as opportunity_services
from quotes import services as quote_services
from tests.factories import (
    AccountFactory,
    PriceListFactory,
    PriceListItemFactory,
    ProductFactory,
    TaxRateFactory,
)

from .factories import make_active_quote

pytestmark = pytest.mark.django_db


def test_a_fractional_quantity_and_tax_rate_survive_the_whole_pipeline(org):
    # given an opportunity line of 2.125 units at 7.125 % tax
    opportunity = opportunity_services.opportunity_create(
        actor=org.sam, topic="Cable", account=AccountFactory(owner=org.sam))
    opportunity_services.opportunity_line_add(
        opportunity=opportunity, actor=org.sam, write_in_name="Cable (m)",
        quantity=Decimal("2.125"), unit_price=Decimal("10.00"), tax_rate=Decimal("7.125"))
    # when it becomes a quote, an order and an invoice
    quote = quote_services.quote_create_from_opportunity(opportunity=opportunity, actor=org.sam)
    quote = quote_services.quote_activate(quote=quote, actor=org.sam)
    order = services.order_create_from_quote(quote=quote, actor=org.sam,
                                             win_opportunity=False)
    invoice = services.invoice_create_from_order(order=order, actor=org.sam)
    # then every document carries the same quantity and rate, and the same line amount
    opportunity_line = opportunity.lines.get()
    lines = [opportunity_line, quote.lines.get(), order.lines.get(), invoice.lines.get()]
    assert {(line.quantity, line.tax_rate) for line in lines} == {
        (Decimal("2.125"), Decimal("7.125"))}
    assert {line.amount for line in lines} == {Decimal("21.25")}


def test_an_opportunity_line_takes_the_products_tax_rate_unrounded(org):
    price_list = PriceListFactory(name="Standard", currency="EUR")
    tax = TaxRateFactory(name="Reduced", rate=Decimal("7.125"))
    seat = ProductFactory(name="Seat", default_tax_rate=tax)
    PriceListItemFactory(price_list=price_list, product=seat, unit_price=Decimal("20.00"))
    opportunity = opportunity_services.opportunity_create(actor=org.sam, topic="Seats",
                                                          price_list=price_list)

    line = opportunity_services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                                     product=seat, quantity=3)

    assert line.tax_rate == Decimal("7.125")  # was rounded to 7.13 before
    assert line.tax == Decimal("4.28")  # 60.00 x 7.125 % = 4.275, rounded half up


def test_an_order_takes_a_quote_line_of_any_quantity_the_quote_holds(org):
    # given a quote line of 12,345,678,901.5 units (fits the quote; overflowed order lines)
    quote = make_active_quote(owner=org.sam, lines=[
        ("Screws", "12345678901.5", "0.01", "0.00", "0")], freight="0.00")
    # when the order is created
    order = services.order_create_from_quote(quote=quote, actor=org.sam)
    # then the order line keeps the quantity
    assert order.lines.get().quantity == Decimal("12345678901.500")
    assert order.total == Decimal("123456789.02")
