"""Quote services: creation from an opportunity, lines and totals, lifecycle, revisions."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from crm.activities.models import Event
from crm.catalog.models import PriceListItem
from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from opportunities.models import Opportunity
from quotes import services
from quotes.models import Quote, QuoteLine, QuoteStatus, QuoteStatusReason
from tests.factories import (
    AccountFactory,
    PriceListFactory,
    PriceListItemFactory,
    ProductFactory,
    TaxRateFactory,
)

from .factories import (
    OpportunityFactory,
    OpportunityLineFactory,
    make_active_quote,
    make_quote,
)

pytestmark = pytest.mark.django_db

VECTOR_LINES = [("Widget", "2", "30.00", "8"), ("Cable", "3", "4.00", "8"),
                ("Install", "1", "89.50", "8")]


def reload(quote):
    return Quote.objects.get(pk=quote.pk)


def test_create_from_opportunity_copies_customer_price_list_currency_and_every_line(org):
    # given an opportunity in EUR with a catalog line and a write-in line
    price_list = PriceListFactory(currency="EUR", is_default=False)
    product = ProductFactory(name="Router", sku="RT-1", unit="box")
    account = AccountFactory(owner=org.sam, street="1 Main St", city="Boston", country="USA",
                             ship_street="9 Dock Rd", ship_city="Salem", ship_country="USA")
    opportunity = OpportunityFactory(owner=org.sam, account=account, price_list=price_list)
    OpportunityLineFactory(opportunity=opportunity, product=product, write_in_name="",
                           quantity=Decimal("2"), unit_price=Decimal("150.00"),
                           tax_rate=Decimal("10.00"), sort_order=0)
    OpportunityLineFactory(opportunity=opportunity, write_in_name="Setup",
                           unit_price=Decimal("80.00"), sort_order=1)

    # when a quote is created from it
    quote = services.quote_create_from_opportunity(opportunity=opportunity, actor=org.sam)

    # then it is a draft revision 0 with a readable number, the customer, prices and lines
    quote = reload(quote)
    assert re.fullmatch(r"Q-\d{6}", quote.number)
    assert (quote.revision, quote.status, quote.status_reason) == (0, "draft", "in_progress")
    assert quote.account == account and quote.contact == opportunity.contact
    assert (quote.price_list, quote.currency, quote.owner) == (price_list, "EUR", org.sam)
    assert quote.name == opportunity.topic
    lines = list(quote.lines.all())
    assert [(ln.product_name, ln.sku, ln.unit, ln.quantity, ln.unit_price, ln.tax_rate)
            for ln in lines] == [
        ("Router", "RT-1", "box", Decimal("2.000"), Decimal("150.00"), Decimal("10.000")),
        ("Setup", "", "", Decimal("1.000"), Decimal("80.00"), Decimal("0.000")),
    ]
    assert quote.detail_amount == Decimal("380.00")
    assert quote.total == Decimal("410.00")
    assert quote.bill_to_lines == [account.name, "1 Main St", "Boston", "USA"]
    assert quote.ship_to_lines == [account.name, "9 Dock Rd", "Salem", "USA"]
    assert Event.objects.filter(record_type="quote", record_id=quote.pk,
                                action="created").exists()


def test_quote_numbers_are_unique_and_increase(org):
    first = make_quote(owner=org.sam)
    second = make_quote(owner=org.sam)
    assert int(second.number[2:]) == int(first.number[2:]) + 1


def test_create_from_a_closed_opportunity_is_refused(org):
    opportunity = OpportunityFactory(owner=org.sam)
    Opportunity.objects.filter(pk=opportunity.pk).update(status="lost", status_reason="canceled")
    with pytest.raises(TransitionNotAllowed):
        services.quote_create_from_opportunity(
            opportunity=Opportunity.objects.get(pk=opportunity.pk), actor=org.sam)


def test_a_seller_cannot_quote_a_teammates_opportunity(org):
    opportunity = OpportunityFactory(owner=org.sofia)
    with pytest.raises(PermissionDenied):
        services.quote_create_from_opportunity(opportunity=opportunity, actor=org.sam)


def test_totals_follow_the_money_rules_for_the_184_42_vector(org):
    # given lines of 60.00, 12.00 and 89.50 taxed at 8 % and freight of 10.00
    quote = make_quote(owner=org.sam, lines=VECTOR_LINES)

    quote = services.quote_update(quote=quote, actor=org.sam, freight_amount=Decimal("10.00"))

    quote = reload(quote)
    assert [ln.amount for ln in quote.lines.all()] == [
        Decimal("60.00"), Decimal("12.00"), Decimal("89.50")]
    assert quote.detail_amount == Decimal("161.50")
    assert quote.total_tax == Decimal("12.92")
    assert quote.total == Decimal("184.42")


def test_header_discount_and_line_discount_are_applied(org):
    quote = make_quote(owner=org.sam, lines=[
        {"write_in_name": "Training", "quantity": "4", "unit_price": "25.00",
         "manual_discount": "10.00", "tax_rate": "0"},
    ])
    quote = services.quote_update(quote=quote, actor=org.sam, discount_percent=Decimal("10"),
                                  discount_amount=Decimal("5.00"))
    quote = reload(quote)
    assert quote.detail_amount == Decimal("90.00")
    assert quote.total_discount == Decimal("14.00")
    assert quote.total == Decimal("76.00")


def test_a_discount_above_the_line_is_refused_with_the_field(org):
    quote = make_quote(owner=org.sam)
    with pytest.raises(BusinessRuleViolation) as exc:
        services.quote_add_line(quote=quote, actor=org.sam, write_in_name="X", quantity="1",
                                unit_price="10.00", manual_discount="11.00")
    assert "manual_discount" in exc.value.extra["fields"]


def test_a_catalog_line_takes_the_price_list_price_and_the_products_tax_rate(org):
    tax = TaxRateFactory(rate=Decimal("19.000"))
    product = ProductFactory(name="Switch", sku="SW-24", unit="each", default_tax_rate=tax)
    quote = make_quote(owner=org.sam)
    PriceListItemFactory(price_list=quote.price_list, product=product,
                         unit_price=Decimal("240.00"))

    line = services.quote_add_line(quote=quote, actor=org.sam, product=product, quantity="2")

    assert (line.product_name, line.sku, line.unit_price, line.tax_rate) == (
        "Switch", "SW-24", Decimal("240.00"), Decimal("19.000"))
    assert (line.amount, line.tax) == (Decimal("480.00"), Decimal("91.20"))
    assert reload(quote).total == Decimal("571.20")


def test_a_product_missing_from_the_price_list_needs_a_price(org):
    quote = make_quote(owner=org.sam)
    with pytest.raises(BusinessRuleViolation) as exc:
        services.quote_add_line(quote=quote, actor=org.sam, product=ProductFactory())
    assert "unit_price" in exc.value.extra["fields"]


def test_issued_lines_do_not_change_when_the_catalog_changes_later(org):
    # given an active quote with a catalog line at 100.00
    product = ProductFactory(name="Firewall", sku="FW-1")
    quote = make_quote(owner=org.sam)
    item = PriceListItemFactory(price_list=quote.price_list, product=product,
                                unit_price=Decimal("100.00"))
    services.quote_add_line(quote=quote, actor=org.sam, product=product, tax_rate="0")
    quote = services.quote_activate(quote=quote, actor=org.sam)

    # when the catalog price and the product's name change
    PriceListItem.objects.filter(pk=item.pk).update(unit_price=Decimal("175.00"))
    product.name, product.sku = "Firewall Pro", "FW-2"
    product.save()

    # then the quote and its next revision keep what the customer was offered
    line = reload(quote).lines.get()
    assert (line.product_name, line.sku, line.unit_price) == ("Firewall", "FW-1",
                                                              Decimal("100.00"))
    assert reload(quote).total == Decimal("100.00")
    revision = services.quote_revise(quote=quote, actor=org.sam)
    assert [(ln.product_name, ln.unit_price) for ln in revision.lines.all()] == [
        ("Firewall", Decimal("100.00"))]


def test_get_products_appends_the_opportunitys_current_lines(org):
    quote = make_quote(owner=org.sam, lines=[("Existing", "1", "10.00", "0")])
    OpportunityLineFactory(opportunity=quote.opportunity, write_in_name="New thing",
                           unit_price=Decimal("5.00"))

    services.quote_get_products(quote=quote, actor=org.sam)

    assert [ln.product_name for ln in reload(quote).lines.all()] == ["Existing", "New thing"]
    assert reload(quote).detail_amount == Decimal("15.00")


# --- lifecycle --------------------------------------------------------------------------------

def _in_state(org, state):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    if state == "draft":
        return quote
    quote = services.quote_activate(quote=quote, actor=org.sam)
    if state == "active":
        return quote
    if state == "won":
        return services.quote_mark_won(quote=quote, actor=org.sam)
    if state == "lost":
        return services.quote_close(quote=quote, actor=org.sam, reason="lost")
    if state == "revised":
        services.quote_revise(quote=quote, actor=org.sam)
        return reload(quote)
    raise AssertionError(state)


ACTIONS = {
    "activate": lambda q, u: services.quote_activate(quote=q, actor=u),
    "close": lambda q, u: services.quote_close(quote=q, actor=u, reason="canceled"),
    "revise": lambda q, u: services.quote_revise(quote=q, actor=u),
    "win": lambda q, u: services.quote_mark_won(quote=q, actor=u),
}


@pytest.mark.parametrize(("state", "action", "expected"), [
    ("draft", "activate", ("active", "in_progress")),
    ("draft", "close", None),
    ("draft", "revise", None),
    ("draft", "win", None),
    ("active", "activate", None),
    ("active", "close", ("closed", "canceled")),
    ("active", "revise", ("closed", "revised")),
    ("active", "win", ("won", "won")),
    ("lost", "activate", None),
    ("lost", "close", None),
    ("lost", "revise", ("closed", "revised")),
    ("lost", "win", None),
    ("revised", "revise", None),
    ("revised", "activate", None),
    ("won", "revise", None),
    ("won", "close", None),
    ("won", "activate", None),
])
def test_lifecycle_table(org, state, action, expected):
    quote = _in_state(org, state)
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as exc:
            ACTIONS[action](quote, org.sam)
        assert exc.value.code == "transition_not_allowed"
        assert reload(quote).status == quote.status
    else:
        ACTIONS[action](quote, org.sam)
        quote = reload(quote)
        assert (quote.status, quote.status_reason) == expected
        assert Event.objects.filter(record_type="quote", record_id=quote.pk).count() >= 2


def test_activate_needs_a_customer_and_a_line(org):
    quote = make_quote(owner=org.sam)
    Quote.objects.filter(pk=quote.pk).update(account=None, contact=None)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.quote_activate(quote=reload(quote), actor=org.sam)
    assert exc.value.extra["missing"] == ["customer", "lines"]
    assert exc.value.reason == RefusalReason.QUOTE_INCOMPLETE


def test_close_refuses_an_unknown_reason(org):
    quote = make_active_quote(owner=org.sam)
    with pytest.raises(BusinessRuleViolation):
        services.quote_close(quote=quote, actor=org.sam, reason="revised")


@pytest.mark.parametrize("edit", [
    lambda q, u: services.quote_update(quote=q, actor=u, freight_amount=Decimal("5")),
    lambda q, u: services.quote_add_line(quote=q, actor=u, write_in_name="X", unit_price="1"),
    lambda q, u: services.quote_update_line(line=q.lines.first(), actor=u, quantity="3"),
    lambda q, u: services.quote_remove_line(line=q.lines.first(), actor=u),
    lambda q, u: services.quote_get_products(quote=q, actor=u),
    lambda q, u: services.quote_delete(quote=q, actor=u),
], ids=["header", "add-line", "update-line", "remove-line", "get-products", "delete"])
@pytest.mark.parametrize("state", ["active", "won", "lost"])
def test_only_drafts_can_be_edited(org, edit, state):
    quote = _in_state(org, state)
    before = (quote.total, quote.lines.count())
    with pytest.raises(RecordLocked) as exc:
        edit(quote, org.sam)
    assert exc.value.code == "record_locked"
    assert (reload(quote).total, quote.lines.count()) == before


def test_revise_chain_keeps_the_number_and_copies_every_line(org):
    # given an active quote with two lines
    quote = make_quote(owner=org.sam, lines=VECTOR_LINES[:2])
    quote = services.quote_activate(quote=quote, actor=org.sam)

    # when it is revised twice (activating the first revision in between)
    rev1 = services.quote_revise(quote=quote, actor=org.sam)
    services.quote_update_line(line=rev1.lines.first(), actor=org.sam, quantity="5")
    services.quote_activate(quote=rev1, actor=org.sam)
    rev2 = services.quote_revise(quote=rev1, actor=org.sam)

    # then each revision keeps the number, counts up and supersedes the previous one
    chain = list(Quote.objects.filter(number=quote.number).order_by("revision"))
    assert [(q.revision, q.status, q.status_reason) for q in chain] == [
        (0, "closed", "revised"), (1, "closed", "revised"), (2, "draft", "in_progress")]
    assert chain[2].previous_revision == chain[1] and chain[1].previous_revision == chain[0]
    assert [ln.product_name for ln in rev2.lines.all()] == ["Widget", "Cable"]
    assert [ln.quantity for ln in chain[0].lines.all()] == [Decimal("2.000"), Decimal("3.000")]
    assert [ln.quantity for ln in rev2.lines.all()] == [Decimal("5.000"), Decimal("3.000")]
    assert reload(rev2).total == reload(rev1).total != reload(quote).total
    assert rev2.opportunity_id == quote.opportunity_id


def test_revising_is_refused_when_the_opportunity_is_closed(org):
    quote = make_active_quote(owner=org.sam)
    Opportunity.objects.filter(pk=quote.opportunity_id).update(status="won",
                                                               status_reason="won")
    with pytest.raises(TransitionNotAllowed):
        services.quote_revise(quote=quote, actor=org.sam)


def test_a_teammate_may_read_but_not_change_a_quote(org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    with pytest.raises(PermissionDenied):
        services.quote_activate(quote=quote, actor=org.sofia)
    services.quote_activate(quote=quote, actor=org.maria)  # the manager may
    assert reload(quote).status == QuoteStatus.ACTIVE


def test_draft_can_be_deleted(org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    services.quote_delete(quote=quote, actor=org.sam)
    assert not Quote.objects.filter(pk=quote.pk).exists()
    assert not QuoteLine.objects.filter(quote_id=quote.pk).exists()


def test_mark_won_records_an_event(org):
    quote = make_active_quote(owner=org.sam)
    services.quote_mark_won(quote=quote, actor=org.sam)
    quote = reload(quote)
    assert (quote.status, quote.status_reason) == ("won", QuoteStatusReason.WON)
    assert quote.closed_at is not None
    assert Event.objects.filter(record_type="quote", record_id=quote.pk, action="won").exists()


def test_an_opportunity_without_a_price_list_quotes_in_its_own_currency(org):
    PriceListFactory(currency="USD", is_default=True)
    opportunity = OpportunityFactory(owner=org.sam, price_list=None, currency="EUR")
    OpportunityLineFactory(opportunity=opportunity, write_in_name="Audit",
                           unit_price=Decimal("70.00"))

    quote = services.quote_create_from_opportunity(opportunity=opportunity, actor=org.sam)

    assert (quote.price_list, quote.currency, quote.total) == (None, "EUR", Decimal("70.00"))
