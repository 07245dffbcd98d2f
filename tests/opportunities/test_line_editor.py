"""The opportunity's line editor: the shared layout and the product lookup (issue 16 item 5)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.catalog.models import PriceListItem, Product
from opportunities.models import OpportunityLine
from tests.factories import PriceListFactory

from .factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def big_catalog(price_list, count=500, *, owner):
    products = Product.objects.bulk_create([
        Product(sku=f"BULK-{i:04d}", name=f"Bulk product {i:04d}", owner=owner) for i in range(count)])
    PriceListItem.objects.bulk_create([
        PriceListItem(price_list=price_list, product=p, unit_price=Decimal("5.00"))
        for p in products])
    return products


def test_the_add_form_has_a_product_lookup_not_the_whole_catalog(org, web):
    opportunity = OpportunityFactory(owner=org.sam, price_list=PriceListFactory())
    big_catalog(opportunity.price_list, owner=org.admin)
    client = web(org.sam)
    for url in (opportunity.get_absolute_url(),
                reverse("opportunity-line-add", args=[opportunity.pk])):
        html = client.get(url).content.decode()
        start = html.index('class="line-fields"')
        form = html[start:html.index("</form>", start)]
        assert form.count("<option") == 1
        assert len(form) < 6000
        assert f'hx-get="{reverse("product-lookup")}"' in form
        assert f'&quot;price_list&quot;: {opportunity.price_list_id}' in form
        assert '<label for="id_line-product">' in form and 'id="id_line-product"' in form
        assert 'aria-label="Search products by name or SKU"' in form


def test_adding_a_catalog_line_and_a_write_in_line(org, web):
    opportunity = OpportunityFactory(owner=org.sam, revenue_source="system",
                                     price_list=PriceListFactory())
    product = big_catalog(opportunity.price_list, count=3, owner=org.admin)[0]
    client = web(org.sam)
    add = reverse("opportunity-line-add", args=[opportunity.pk])
    client.post(add, {"line-product": product.pk, "line-quantity": "4", "line-tax_rate": "0"})
    client.post(add, {"line-write_in_name": "Setup", "line-quantity": "1",
                      "line-unit_price": "80", "line-tax_rate": "0"})
    lines = OpportunityLine.objects.filter(opportunity=opportunity).order_by("pk")
    assert [(line.name, line.amount) for line in lines] == [
        ("Bulk product 0000", Decimal("20.00")), ("Setup", Decimal("80.00"))]
    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("100.00")


def test_an_error_keeps_the_chosen_product_and_what_was_typed(org, web):
    opportunity = OpportunityFactory(owner=org.sam, price_list=PriceListFactory())
    product = big_catalog(opportunity.price_list, count=2, owner=org.admin)[1]
    html = web(org.sam).post(reverse("opportunity-line-add", args=[opportunity.pk]), {
        "line-product": product.pk, "line-write_in_name": "Also typed", "line-quantity": "2",
    }).content.decode()
    assert "Leave empty when a product is chosen." in html
    assert f'<option value="{product.pk}" selected>Bulk product 0001 (BULK-0001)</option>' in html
    assert 'value="Also typed"' in html


def test_with_lines_the_add_form_loads_when_add_a_line_opens(org, web):
    """The first paint of an opportunity with lines renders no line form (its widgets were a
    fifth of the page's cost); opening "Add a line" fetches it."""
    opportunity = OpportunityFactory(owner=org.sam, price_list=PriceListFactory())
    product = big_catalog(opportunity.price_list, count=2, owner=org.admin)[0]
    client = web(org.sam)
    add = reverse("opportunity-line-add", args=[opportunity.pk])
    client.post(add, {"line-product": product.pk, "line-quantity": "1", "line-tax_rate": "0"})

    page = client.get(opportunity.get_absolute_url()).content.decode()
    assert "Bulk product 0000" in page
    assert 'id="id_line-product"' not in page
    assert f'<details hx-get="{add}" hx-trigger="toggle once"' in page

    form = client.get(add, HTTP_HX_REQUEST="true").content.decode()
    assert form.startswith("<form") and f'action="{add}"' in form
    assert 'id="id_line-product"' in form and form.count("<option") == 1
    assert 'name="csrfmiddlewaretoken"' in form and "Add line" in form
    # a reader who may not change it gets no form
    assert web(org.sofia).get(add, HTTP_HX_REQUEST="true").status_code == 403
