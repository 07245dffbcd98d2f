from decimal import Decimal

import pytest

from crm.activities.models import Event
from crm.common.codes import RefusalReason
from crm.common.errors import TransitionNotAllowed
from invoices import services
from invoices.models import Order, OrderStatus
from opportunities import services as opportunity_services
from quotes.models import Quote
from tests.factories import AccountFactory

from .factories import make_active_quote, make_invoice, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(org):
    account = AccountFactory(owner=org.sam)
    return opportunity_services.opportunity_create(actor=org.sam, topic="200 seats",
                                                   account=account)


def test_order_from_active_quote_copies_lines_and_freezes_prices(org):
    # given an active quote with the 184.42 test vector
    quote = make_active_quote(owner=org.sam)
    # when the seller creates the order
    order = services.order_create_from_quote(quote=quote, actor=org.sam)
    # then the order carries the quote's customer, totals and every line
    assert order.status == OrderStatus.ACTIVE
    assert order.number.startswith("ORD-")
    assert order.account_id == quote.account_id and order.owner == org.sam
    assert order.total == Decimal("184.42") and order.total_tax == Decimal("12.92")
    assert order.freight_amount == Decimal("10.00")
    lines = list(order.lines.order_by("sequence"))
    assert [(ln.product_name, ln.quantity, ln.unit_price, ln.amount) for ln in lines] == [
        ("Online training seat", Decimal("1"), Decimal("60.00"), Decimal("60.00")),
        ("Cable", Decimal("2"), Decimal("6.00"), Decimal("12.00")),
        ("Scanner", Decimal("1"), Decimal("100.00"), Decimal("89.50")),
    ]
    # and a later change on the quote's lines does not touch the order (prices frozen)
    quote.lines.update(unit_price=Decimal("999.00"))
    assert order.lines.get(sequence=1).unit_price == Decimal("60.00")


def test_creating_the_order_marks_the_quote_won_and_wins_the_opportunity(org, opportunity):
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)
    order = services.order_create_from_quote(quote=quote, actor=org.sam)
    quote = Quote.objects.get(pk=quote.pk)
    opportunity.refresh_from_db()
    assert quote.status == "won"
    assert opportunity.status == "won"
    assert opportunity.actual_revenue == order.total == Decimal("184.42")
    assert order.opportunity_id == opportunity.pk


def test_winning_the_opportunity_cancels_its_other_open_quotes(org, opportunity):
    other = make_active_quote(owner=org.sam, opportunity=opportunity)
    other_number = other.number
    # a second quote (another number) on the same opportunity
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)
    services.order_create_from_quote(quote=quote, actor=org.sam)
    other = Quote.objects.get(number=other_number, revision=other.revision)
    assert other.status == "closed" and other.status_reason == "canceled"


def test_order_without_winning_the_opportunity_leaves_it_open(org, opportunity):
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)
    services.order_create_from_quote(quote=quote, actor=org.sam, win_opportunity=False)
    opportunity.refresh_from_db()
    assert opportunity.status == "open"


def test_a_failure_mid_conversion_leaves_the_quote_active_and_no_order(org, opportunity,
                                                                      monkeypatch):
    # given an active quote whose opportunity cannot be won (the win blows up)
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)

    def broken_win(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(opportunity_services, "opportunity_win", broken_win)
    # when the conversion fails after the order and its lines were written
    with pytest.raises(RuntimeError):
        services.order_create_from_quote(quote=quote, actor=org.sam)
    # then nothing happened: quote active, no order, no line, opportunity open
    quote = Quote.objects.get(pk=quote.pk)
    opportunity.refresh_from_db()
    assert quote.status == "active"
    assert opportunity.status == "open"
    assert not Order.objects.exists()
    # and the order number was given back: the next order takes it
    order = services.order_create_from_quote(quote=quote, actor=org.sam, win_opportunity=False)
    assert order.number.endswith("-000001")


@pytest.mark.parametrize("status_change", ["draft", "won"])
def test_only_an_active_quote_becomes_an_order(org, status_change):
    quote = make_active_quote(owner=org.sam)
    if status_change == "won":
        services.order_create_from_quote(quote=quote, actor=org.sam)
    else:
        Quote.objects.filter(pk=quote.pk).update(status="draft")
    with pytest.raises(TransitionNotAllowed):
        services.order_create_from_quote(quote=Quote.objects.get(pk=quote.pk), actor=org.sam)
    assert Order.objects.count() == (1 if status_change == "won" else 0)


def test_a_seller_cannot_order_a_teammates_quote(org):
    from django.core.exceptions import PermissionDenied

    quote = make_active_quote(owner=org.sofia)
    with pytest.raises(PermissionDenied):
        services.order_create_from_quote(quote=quote, actor=org.sam)


def test_fulfill_sets_the_date_and_records_an_event(org):
    order = make_order(owner=org.sam)
    order = services.order_fulfill(order=order, actor=org.sam)
    assert order.status == OrderStatus.FULFILLED and order.fulfilled_on is not None
    assert Event.objects.filter(record_type="order", record_id=order.pk,
                                action="fulfilled", to_state="fulfilled").exists()


def test_a_fulfilled_order_cannot_be_fulfilled_or_canceled(org):
    order = services.order_fulfill(order=make_order(owner=org.sam), actor=org.sam)
    with pytest.raises(TransitionNotAllowed):
        services.order_fulfill(order=order, actor=org.sam)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.order_cancel(order=order, actor=org.sam)
    assert exc.value.extra["allowed"] == ["create_invoice"]


def test_cancel_an_active_order(org):
    order = services.order_cancel(order=make_order(owner=org.sam), actor=org.sam)
    assert order.status == OrderStatus.CANCELED and order.canceled_on is not None


def test_cancel_is_refused_once_the_order_is_invoiced(org):
    order = make_order(owner=org.sam)
    make_invoice(order=order, issue=False)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.order_cancel(order=order, actor=org.sam)
    assert exc.value.reason == RefusalReason.ORDER_INVOICED
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE


def test_cancel_is_allowed_again_when_its_invoices_are_canceled(org):
    order = make_order(owner=org.sam)
    invoice = make_invoice(order=order, issue=False)
    services.invoice_cancel(invoice=invoice, actor=org.sam)
    assert services.order_cancel(order=order, actor=org.sam).status == OrderStatus.CANCELED


def test_a_canceled_order_cannot_be_invoiced(org):
    order = services.order_cancel(order=make_order(owner=org.sam), actor=org.sam)
    with pytest.raises(TransitionNotAllowed):
        services.invoice_create_from_order(order=order, actor=org.sam)


def test_a_manager_may_fulfill_a_subordinates_order_but_a_teammate_may_not(org):
    from django.core.exceptions import PermissionDenied

    order = make_order(owner=org.sam)
    with pytest.raises(PermissionDenied):
        services.order_fulfill(order=order, actor=org.sofia)
    assert services.order_fulfill(order=order, actor=org.maria).status == "fulfilled"
