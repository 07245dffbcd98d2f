"""The product lookup behind the line editors (issue 16 item 5)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import PriceListFactory, PriceListItemFactory, ProductFactory

pytestmark = pytest.mark.django_db
URL = reverse("product-lookup")


@pytest.fixture
def catalog():
    retail = PriceListFactory(name="Retail")
    partner = PriceListFactory(name="Partner", is_default=False)
    tablet = ProductFactory(name="Rugged tablet", sku="TAB-9")
    case = ProductFactory(name="Tablet case", sku="CASE-1")
    retired = ProductFactory(name="Old tablet", sku="TAB-1", active=False)
    PriceListItemFactory(price_list=retail, product=tablet, unit_price=Decimal("1200.00"))
    PriceListItemFactory(price_list=retail, product=retired, unit_price=Decimal("10.00"))
    PriceListItemFactory(price_list=partner, product=case, unit_price=Decimal("30.00"))
    return {"retail": retail, "partner": partner, "tablet": tablet, "case": case}


def test_the_lookup_answers_options_of_matching_active_products(org, web, catalog):
    html = web(org.sam).get(URL, {"q": "tablet"}).content.decode()
    assert "Rugged tablet (TAB-9)" in html and "Tablet case (CASE-1)" in html
    assert "Old tablet" not in html
    assert html.startswith('<option value="">')


def test_the_lookup_reads_the_widgets_search_field_and_matches_the_sku(org, web, catalog):
    html = web(org.sam).get(URL, {"field": "line-product",
                                  "line-product__lookup": "case-"}).content.decode()
    assert f'<option value="{catalog["case"].pk}">Tablet case (CASE-1)</option>' in html
    assert "Rugged" not in html


def test_the_lookup_respects_the_price_list_and_shows_its_price(org, web, catalog):
    html = web(org.sam).get(URL, {"q": "tablet", "price_list": catalog["retail"].pk}
                            ).content.decode()
    assert "Rugged tablet (TAB-9) · 1,200.00" in html
    assert "Tablet case" not in html  # not on the retail list
    data = web(org.sam).get(URL, {"q": "tab", "price_list": catalog["partner"].pk},
                            HTTP_ACCEPT="application/json").json()
    assert data == {"results": [{"id": catalog["case"].pk, "sku": "CASE-1",
                                 "name": "Tablet case", "unit": "each",
                                 "unit_price": "30.00"}]}


def test_the_lookup_says_no_match_and_ignores_a_bad_price_list(org, web, catalog):
    assert "No match" in web(org.sam).get(URL, {"q": "zzz"}).content.decode()
    html = web(org.sam).get(URL, {"q": "tablet", "price_list": "abc"}).content.decode()
    assert "Rugged tablet" in html


def test_the_lookup_needs_a_login(client):
    assert client.get(URL, {"q": "x"}).status_code == 302
