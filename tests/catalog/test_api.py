from decimal import Decimal

import pytest

from crm.catalog.models import PriceList
from tests.factories import PriceListItemFactory, ProductFactory, TaxRateFactory

pytestmark = pytest.mark.django_db


def test_products_are_listed_for_every_user_with_few_queries(api, org,
                                                             django_assert_max_num_queries):
    for _ in range(40):
        ProductFactory(owner=org.admin)
    client = api(org.olga)
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/products/?page_size=100")
    assert len(response.json()["results"]) == 40


def test_seller_cannot_change_a_product_owned_by_the_admin(api, org):
    product = ProductFactory(owner=org.admin)
    response = api(org.sam).patch(f"/api/v1/products/{product.pk}/", {"name": "Cheap"},
                                  format="json")
    assert response.status_code == 403


def test_product_sku_is_unique(api, org):
    ProductFactory(sku="ABC-1", owner=org.admin)
    response = api(org.admin).post("/api/v1/products/", {"sku": "ABC-1", "name": "Dup"},
                                   format="json")
    assert response.status_code == 400
    assert "sku" in response.json()["fields"]


def test_price_list_with_items_is_created_by_a_manager(api, org):
    p1, p2 = ProductFactory(owner=org.admin), ProductFactory(owner=org.admin)
    response = api(org.maria).post("/api/v1/price-lists/", {
        "name": "EU 2027", "currency": "eur",
        "items": [{"product": p1.pk, "unit_price": "10.50"},
                  {"product": p2.pk, "unit_price": "99.00"}],
    }, format="json")
    assert response.status_code == 201, response.json()
    price_list = PriceList.objects.get(name="EU 2027")
    assert price_list.currency == "EUR"
    assert {i.unit_price for i in price_list.items.all()} == {Decimal("10.50"), Decimal("99.00")}
    body = api(org.sam).get(f"/api/v1/price-lists/{price_list.pk}/").json()
    assert sorted(i["unit_price"] for i in body["items"]) == ["10.50", "99.00"]


def test_sellers_cannot_create_price_lists_or_tax_rates(api, org):
    client = api(org.sam)
    assert client.post("/api/v1/price-lists/", {"name": "Mine", "currency": "USD"},
                       format="json").status_code == 403
    assert client.post("/api/v1/tax-rates/", {"name": "T", "rate": "5"},
                       format="json").status_code == 403


def test_price_list_validity_range_and_duplicate_products_are_refused(api, org):
    product = ProductFactory(owner=org.admin)
    response = api(org.admin).post("/api/v1/price-lists/", {
        "name": "Bad", "currency": "USD", "valid_from": "2026-12-01",
        "valid_until": "2026-11-01",
        "items": [{"product": product.pk, "unit_price": "1"},
                  {"product": product.pk, "unit_price": "2"}],
    }, format="json")
    assert response.status_code == 400
    assert "valid_until" in response.json()["fields"]


def test_tax_rate_must_be_a_percentage(api, org):
    response = api(org.admin).post("/api/v1/tax-rates/", {"name": "Odd", "rate": "150"},
                                   format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["rate"]


def test_price_list_endpoint_query_count(api, org, django_assert_max_num_queries):
    for _ in range(5):
        price_list = PriceList.objects.create(name=f"L{_}")
        for _ in range(10):
            PriceListItemFactory(price_list=price_list, product__owner=org.admin)
    TaxRateFactory()
    client = api(org.sam)
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/price-lists/")
    assert len(response.json()["results"]) == 5


def test_product_pages_list_and_show_prices(web, org, django_assert_max_num_queries):
    item = PriceListItemFactory(product__owner=org.admin, unit_price=Decimal("89.50"))
    for _ in range(30):
        ProductFactory(owner=org.admin)
    client = web(org.sam)
    with django_assert_max_num_queries(6):
        assert client.get("/products/").status_code == 200
    detail = client.get(f"/products/{item.product.pk}/")
    assert b"89.50" in detail.content
