"""Issue 16 item 5 for orders: an active order's lines are edited with the shared line editor
(`crm.catalog.forms.ProductLineFormMixin` + `catalog/_line_fields.html`, a product lookup, never
a select of the whole catalog), like quote and opportunity lines. Adding or removing a line
answers with the lines panel (htmx) and `record-changed`; totals follow; errors come back in
the panel with what was typed."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.activities.models import Event
from crm.catalog.models import PriceListItem
from crm.common.errors import BusinessRuleViolation, RecordLocked
from invoices import services
from invoices.models import OrderLine
from tests.factories import PriceListFactory, ProductFactory, TaxRateFactory

from .factories import make_invoice, make_order

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def scanner():
    price_list = PriceListFactory()
    product = ProductFactory(name="Card scanner", sku="HW-SCAN", unit="each",
                             default_tax_rate=TaxRateFactory(rate=Decimal("8")))
    PriceListItem.objects.create(price_list=price_list, product=product,
                                 unit_price=Decimal("89.50"))
    return product


def test_the_order_page_has_the_shared_line_editor_with_a_product_lookup(org, web, scanner):
    order = make_order(owner=org.sam)
    for _ in range(30):
        ProductFactory()
    html = web(org.sam).get(order.get_absolute_url()).content.decode()
    assert 'id="order-lines"' in html and 'class="line-fields"' in html
    assert 'class="lookup-search"' in html and "/products/lookup/" in html
    assert html.count("<option") < 5  # the lookup, not the catalog as options
    assert f'hx-post="{reverse("order-line-add", args=[order.pk])}"' in html
    # someone who only reads the order gets no editor
    html = web(org.maria).get(order.get_absolute_url()).content.decode()
    assert "Add a line" in html  # a manager may change the team's orders
    html = web(org.sofia).get(order.get_absolute_url()).content.decode()
    assert "Add a line" not in html and "order-line-delete" not in html


def test_adding_a_catalog_line_in_place_prices_it_and_updates_the_totals(org, web, scanner):
    order = make_order(owner=org.sam)  # 184.42
    response = web(org.sam).post(reverse("order-line-add", args=[order.pk]),
                                 {"product": scanner.pk, "quantity": "2"}, **HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "record-changed"
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel" id="order-lines">')
    line = OrderLine.objects.get(order=order, product=scanner)
    assert (line.unit_price, line.amount, line.tax, line.sku) == (
        Decimal("89.50"), Decimal("179.00"), Decimal("14.32"), "HW-SCAN")
    order.refresh_from_db()
    assert order.total == Decimal("184.42") + Decimal("193.32")
    assert "Card scanner" in html and "377.74" in html
    assert Event.objects.filter(record_type="order", record_id=order.pk,
                                action="line_added").exists()


def test_a_write_in_line_needs_a_price_and_errors_come_back_in_place(org, web, scanner):
    order = make_order(owner=org.sam)
    client = web(org.sam)
    url = reverse("order-line-add", args=[order.pk])
    html = client.post(url, {"write_in_name": "Installation", "quantity": "1"},
                       **HTMX).content.decode()
    assert "Enter a unit price for a write-in product." in html
    assert 'value="Installation"' in html
    html = client.post(url, {"quantity": "0"}, **HTMX).content.decode()
    assert "Choose a product or type a write-in name." in html and "Must be more than zero" in html
    html = client.post(url, {"write_in_name": "Cable", "quantity": "1", "unit_price": "5",
                             "manual_discount": "9"}, **HTMX).content.decode()
    assert "more than the line amount" in html
    assert OrderLine.objects.filter(order=order).count() == 3
    response = client.post(url, {"write_in_name": "Installation", "quantity": "1",
                                 "unit_price": "250.00", "tax_rate": "0"}, **HTMX)
    assert response.headers["HX-Trigger"] == "record-changed"
    order.refresh_from_db()
    assert order.total == Decimal("434.42")


def test_removing_a_line_in_place_and_what_is_refused(org, web, scanner):
    order = make_order(owner=org.sam)
    client = web(org.sam)
    first, second, third = order.lines.order_by("sequence")
    response = client.post(reverse("order-line-delete", args=[order.pk, first.pk]), **HTMX)
    assert response.headers["HX-Trigger"] == "record-changed"
    assert not OrderLine.objects.filter(pk=first.pk).exists()
    order.refresh_from_db()
    assert order.detail_amount == Decimal("101.50")

    make_invoice(order=order)  # invoices every remaining line
    response = client.post(reverse("order-line-delete", args=[order.pk, second.pk]), **HTMX)
    assert "HX-Trigger" not in response.headers
    assert "has been invoiced" in response.content.decode()
    assert OrderLine.objects.filter(pk=second.pk).exists()

    lonely = make_order(owner=org.sam, lines=[("Only item", "1", "10.00", "0.00", "0")])
    with pytest.raises(BusinessRuleViolation):
        services.order_remove_line(line=lonely.lines.get(), actor=org.sam)
    services.order_cancel(order=lonely, actor=org.sam)
    with pytest.raises(RecordLocked):
        services.order_add_line(order=lonely, actor=org.sam, product=scanner, quantity=1)


def test_order_lines_are_scoped(org, web, scanner):
    order = make_order(owner=org.sam)
    line = order.lines.first()
    assert web(org.olga).post(reverse("order-line-add", args=[order.pk]),
                              {"product": scanner.pk, "quantity": "1"}).status_code == 404
    assert web(org.sofia).post(reverse("order-line-delete", args=[order.pk, line.pk])
                               ).status_code == 403
    other = make_order(owner=org.sam)
    assert web(org.sam).post(reverse("order-line-delete", args=[other.pk, line.pk])
                             ).status_code == 404
    assert order.lines.count() == 3


def test_without_htmx_adding_a_line_redirects_with_a_message(org, web, scanner):
    order = make_order(owner=org.sam)
    response = web(org.sam).post(reverse("order-line-add", args=[order.pk]),
                                 {"product": scanner.pk, "quantity": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert "Line “Card scanner” added." in response.content.decode()
