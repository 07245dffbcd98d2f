"""Product lines: catalog price, override, write-in, discount, tax; revenue follows the lines."""

from decimal import Decimal

import pytest

from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation
from opportunities import services
from tests.factories import PriceListFactory, PriceListItemFactory, ProductFactory, TaxRateFactory


@pytest.fixture
def catalog(db):
    price_list = PriceListFactory(name="Standard", currency="EUR")
    tax = TaxRateFactory(name="Standard", rate=Decimal("8.000"))
    seat = ProductFactory(name="Seat", default_tax_rate=tax)
    PriceListItemFactory(price_list=price_list, product=seat, unit_price=Decimal("20.00"))
    unlisted = ProductFactory(name="Unlisted")
    return {"price_list": price_list, "seat": seat, "unlisted": unlisted}


@pytest.fixture
def opportunity(org, catalog):
    return services.opportunity_create(actor=org.sam, topic="Seats", revenue_source="system",
                                       price_list=catalog["price_list"])


def test_currency_follows_the_price_list(opportunity):
    assert opportunity.currency == "EUR"


def test_a_catalog_line_takes_the_price_list_price_and_the_products_tax(org, opportunity,
                                                                      catalog):
    line = services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                         product=catalog["seat"], quantity=3)

    assert (line.unit_price, line.price_overridden) == (Decimal("20.00"), False)
    assert (line.amount, line.tax_rate, line.tax) == (
        Decimal("60.00"), Decimal("8.00"), Decimal("4.80"))


def test_a_price_override_is_kept_and_marked(org, opportunity, catalog):
    line = services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                         product=catalog["seat"], unit_price="12", quantity=1)

    assert (line.unit_price, line.price_overridden, line.amount, line.tax) == (
        Decimal("12.00"), True, Decimal("12.00"), Decimal("0.96"))


def test_a_write_in_with_manual_discount(org, opportunity):
    line = services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                         write_in_name="Example write-in", unit_price="20",
                                         quantity=5, manual_discount="10.50", tax_rate="8")

    assert (line.name, line.amount, line.tax) == ("Example write-in", Decimal("89.50"),
                                                  Decimal("7.16"))


def test_system_revenue_is_the_sum_of_the_lines_and_follows_changes(org, opportunity, catalog):
    # given the reference vector 60.00 + 12.00 + 89.50 (tax 12.92)
    a = services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                      product=catalog["seat"], quantity=3)
    services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                  product=catalog["seat"], unit_price="12")
    services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                  write_in_name="Example write-in", unit_price="20",
                                  quantity=5, manual_discount="10.50", tax_rate="8")
    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("161.50")
    assert opportunity.total_tax == Decimal("12.92")

    # when a line changes and another goes
    services.opportunity_line_update(line=a, actor=org.sam, quantity=4)
    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("181.50")
    services.opportunity_line_remove(line=a, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("101.50")


def test_user_provided_revenue_is_not_overwritten_by_lines(org, catalog):
    opportunity = services.opportunity_create(actor=org.sam, topic="Seats",
                                              revenue_source="user",
                                              estimated_revenue=Decimal("5000"),
                                              price_list=catalog["price_list"])

    services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                  product=catalog["seat"], quantity=3)

    opportunity.refresh_from_db()
    assert (opportunity.estimated_revenue, opportunity.total_line_amount) == (
        Decimal("5000.00"), Decimal("60.00"))


def test_switching_to_system_revenue_recalculates(org, catalog):
    opportunity = services.opportunity_create(actor=org.sam, topic="Seats",
                                              estimated_revenue=Decimal("5000"),
                                              price_list=catalog["price_list"])
    services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                  product=catalog["seat"], quantity=2)

    services.opportunity_update(opportunity=opportunity, actor=org.sam, revenue_source="system")

    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("40.00")


def test_typing_revenue_is_refused_while_it_is_system_calculated(org, opportunity):
    with pytest.raises(BusinessRuleViolation) as refused:
        services.opportunity_update(opportunity=opportunity, actor=org.sam,
                                    estimated_revenue=Decimal("999"))

    assert "estimated_revenue" in refused.value.extra["fields"]


def test_a_product_not_on_the_price_list_needs_a_price(org, opportunity, catalog):
    with pytest.raises(BusinessRuleViolation) as refused:
        services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                      product=catalog["unlisted"])
    assert refused.value.reason == RefusalReason.PRICE_NOT_LISTED
    assert "unit_price" in refused.value.extra["fields"]

    line = services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                         product=catalog["unlisted"], unit_price="7.50")
    assert (line.unit_price, line.price_overridden) == (Decimal("7.50"), True)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"quantity": 0}, "quantity"),
    ({"manual_discount": "500"}, "manual_discount"),
    ({"tax_rate": "101"}, "tax_rate"),
])
def test_impossible_lines_are_refused_with_the_field(org, opportunity, kwargs, field):
    with pytest.raises(BusinessRuleViolation) as refused:
        services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                      write_in_name="X", unit_price="100", **kwargs)

    assert field in refused.value.extra["fields"]


def test_a_line_is_a_product_or_a_write_in(org, opportunity, catalog):
    with pytest.raises(BusinessRuleViolation):
        services.opportunity_line_add(opportunity=opportunity, actor=org.sam)
    with pytest.raises(BusinessRuleViolation):
        services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                      product=catalog["seat"], write_in_name="Also")


def test_the_currency_cannot_change_once_there_are_lines(org, opportunity):
    services.opportunity_line_add(opportunity=opportunity, actor=org.sam, write_in_name="X",
                                  unit_price="1")

    with pytest.raises(BusinessRuleViolation):
        services.opportunity_update(opportunity=opportunity, actor=org.sam, currency="USD")


def test_lines_bump_the_opportunity_version(org, opportunity):
    before = opportunity.version

    services.opportunity_line_add(opportunity=opportunity, actor=org.sam, write_in_name="X",
                                  unit_price="1")

    opportunity.refresh_from_db()
    assert opportunity.version > before


def test_a_closed_opportunity_keeps_its_figures_on_recalculate(org, opportunity):
    services.opportunity_line_add(opportunity=opportunity, actor=org.sam, write_in_name="X",
                                  unit_price="10")
    services.opportunity_win(opportunity=opportunity, actor=org.sam)
    from opportunities.models import OpportunityLine

    OpportunityLine.objects.filter(opportunity=opportunity).update(amount=Decimal("99"))

    services.opportunity_recalculate_revenue(opportunity=opportunity)

    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("10.00")
