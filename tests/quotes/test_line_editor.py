"""The quote's line editor: one layout with the opportunity's, a product lookup instead of a
select of the whole catalog (issue 16 item 5)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.catalog.models import PriceListItem, Product
from quotes.models import Quote

from .factories import make_quote

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def big_catalog(price_list, count=500, *, owner):
    products = Product.objects.bulk_create([
        Product(sku=f"BULK-{i:04d}", name=f"Bulk product {i:04d}", owner=owner) for i in range(count)])
    PriceListItem.objects.bulk_create([
        PriceListItem(price_list=price_list, product=p, unit_price=Decimal("5.00"))
        for p in products])
    return products


def test_the_add_form_has_a_product_lookup_not_the_whole_catalog(org, web):
    quote = make_quote(owner=org.sam)
    big_catalog(quote.price_list, owner=org.admin)
    html = web(org.sam).get(quote.get_absolute_url()).content.decode()
    start = html.index('<form method="post" action="' + reverse("quote-line-add",
                                                                 args=[quote.pk]))
    form = html[start:html.index("</form>", start)]
    assert form.count("<option") == 1  # the empty choice
    assert len(form) < 6000
    lookup = reverse("product-lookup")
    assert f'hx-get="{lookup}"' in form
    assert f'&quot;price_list&quot;: {quote.price_list_id}' in form
    assert 'class="line-fields"' in form and "css/lines.css" in html
    assert '<label for="id_product">' in form and 'id="id_product"' in form
    assert '<label for="id_write_in_name">' in form


def test_adding_a_catalog_line_and_a_write_in_line(org, web):
    quote = make_quote(owner=org.sam)
    product = big_catalog(quote.price_list, count=3, owner=org.admin)[1]
    client = web(org.sam)
    response = client.post(reverse("quote-line-add", args=[quote.pk]), {
        "product": product.pk, "quantity": "2", "tax_rate": "0"}, **HTMX)
    assert response.status_code == 200 and "Bulk product 0001" in response.content.decode()
    response = client.post(reverse("quote-line-add", args=[quote.pk]), {
        "write_in_name": "Installation", "quantity": "1", "unit_price": "90.00",
        "tax_rate": "0"}, **HTMX)
    assert "Installation" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).total == Decimal("100.00")


def test_an_error_keeps_the_chosen_product_and_what_was_typed(org, web):
    quote = make_quote(owner=org.sam)
    product = big_catalog(quote.price_list, count=3, owner=org.admin)[2]
    response = web(org.sam).post(reverse("quote-line-add", args=[quote.pk]), {
        "product": product.pk, "quantity": "0", "manual_discount": "3.50"}, **HTMX)
    html = response.content.decode()
    assert "Must be more than zero." in html
    assert f'<option value="{product.pk}" selected>Bulk product 0002 (BULK-0002)</option>' in html
    assert 'value="3.50"' in html
    assert not quote.lines.exists()


def test_a_product_off_the_quotes_price_list_is_refused(org, web):
    from tests.factories import ProductFactory

    quote = make_quote(owner=org.sam)
    stray = ProductFactory(name="Not listed")
    response = web(org.sam).post(reverse("quote-line-add", args=[quote.pk]), {
        "product": stray.pk, "quantity": "1"}, **HTMX)
    assert "Select a valid choice" in response.content.decode()
    assert not quote.lines.exists()
