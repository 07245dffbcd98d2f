"""The quotes API as API.md describes it."""

from decimal import Decimal

import pytest

from quotes.models import Quote
from tests.factories import AccountFactory, PriceListItemFactory, ProductFactory

from .factories import (
    OpportunityFactory,
    OpportunityLineFactory,
    add_lines,
    make_active_quote,
    make_quote,
)

pytestmark = pytest.mark.django_db


def test_create_with_an_opportunity_copies_its_lines(api, org):
    opportunity = OpportunityFactory(owner=org.sam)
    OpportunityLineFactory(opportunity=opportunity, write_in_name="Audit",
                           unit_price=Decimal("500.00"), tax_rate=Decimal("10.00"))

    response = api(org.sam).post("/api/v1/quotes/", {"opportunity": opportunity.pk},
                                 format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("Q-") and body["revision"] == 0
    assert (body["status"], body["status_reason"]) == ("draft", "in_progress")
    assert (body["detail_amount"], body["total_tax"], body["total"]) == (
        "500.00", "50.00", "550.00")
    assert body["account"] == opportunity.account_id
    assert response["ETag"] == f'"{body["version"]}"'
    lines = api(org.sam).get(f"/api/v1/quotes/{body['id']}/lines/").json()["results"]
    assert [(ln["write_in_name"], ln["amount"], ln["tax"]) for ln in lines] == [
        ("Audit", "500.00", "50.00")]


def test_create_without_an_opportunity_needs_a_name_and_a_customer(api, org):
    response = api(org.sam).post("/api/v1/quotes/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["fields"]) == {"name", "account"}

    account = AccountFactory(owner=org.sam)
    response = api(org.sam).post("/api/v1/quotes/", {"name": "Direct", "account": account.pk},
                                 format="json")
    assert response.status_code == 201
    assert response.json()["bill_to_name"] == account.name


def test_an_unreadable_opportunity_cannot_be_quoted(api, org):
    opportunity = OpportunityFactory(owner=org.olga)
    response = api(org.sam).post("/api/v1/quotes/", {"opportunity": opportunity.pk},
                                 format="json")
    assert response.status_code == 400
    assert "opportunity" in response.json()["fields"]


def test_lines_crud_updates_the_totals_and_the_184_42_vector(api, org):
    quote = make_quote(owner=org.sam)
    client = api(org.sam)
    url = f"/api/v1/quotes/{quote.pk}/lines/"
    for name, qty, price in [("Widget", "2", "30.00"), ("Cable", "3", "4.00"),
                             ("Install", "1", "89.50")]:
        response = client.post(url, {"write_in_name": name, "quantity": qty,
                                     "unit_price": price, "tax_rate": "8.00"}, format="json")
        assert response.status_code == 201, response.json()
    response = client.patch(f"/api/v1/quotes/{quote.pk}/", {"freight_amount": "10.00"},
                            format="json")
    assert response.json()["total"] == "184.42"
    assert response.json()["total_tax"] == "12.92"

    first = client.get(url).json()["results"][0]
    response = client.patch(f"{url}{first['id']}/", {"quantity": "1"}, format="json")
    assert response.status_code == 200 and response.json()["amount"] == "30.00"
    assert client.delete(f"{url}{first['id']}/").status_code == 204
    assert client.get(f"/api/v1/quotes/{quote.pk}/").json()["detail_amount"] == "101.50"


def test_a_catalog_line_defaults_to_the_price_list_price(api, org):
    quote = make_quote(owner=org.sam)
    product = ProductFactory(name="Hub", sku="HB-1")
    PriceListItemFactory(price_list=quote.price_list, product=product,
                         unit_price=Decimal("42.00"))
    response = api(org.sam).post(f"/api/v1/quotes/{quote.pk}/lines/",
                                 {"product": product.pk, "quantity": "2"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["product_name"], body["sku"], body["unit_price"], body["amount"]) == (
        "Hub", "HB-1", "42.00", "84.00")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("patch", "", {"freight_amount": "1.00"}),
    ("put", "", {"name": "x"}),
    ("delete", "", None),
    ("post", "lines/", {"write_in_name": "X", "unit_price": "1.00"}),
    ("patch", "lines/{line}/", {"quantity": "2"}),
    ("delete", "lines/{line}/", None),
    ("post", "get-products/", None),
])
def test_every_api_edit_of_an_active_quote_is_record_locked(api, org, method, path, body):
    quote = make_active_quote(owner=org.sam)
    line = quote.lines.get()
    url = f"/api/v1/quotes/{quote.pk}/" + path.format(line=line.pk)

    response = getattr(api(org.sam), method)(url, body, format="json")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "record_locked"
    assert Quote.objects.get(pk=quote.pk).total == quote.total


def test_lifecycle_actions(api, org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    client = api(org.sam)
    base = f"/api/v1/quotes/{quote.pk}/"

    assert client.post(base + "activate/").json()["status"] == "active"
    refused = client.post(base + "activate/")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert refused.json()["allowed"] == ["close", "revise", "create_order"]

    revised = client.post(base + "revise/")
    assert revised.status_code == 201
    new = revised.json()
    assert (new["number"], new["revision"], new["status"]) == (quote.number, 1, "draft")
    assert new["previous_revision"] == quote.pk
    assert client.get(base).json()["status_reason"] == "revised"

    new_base = f"/api/v1/quotes/{new['id']}/"
    assert client.post(new_base + "activate/").status_code == 200
    bad = client.post(new_base + "close/", {"reason": "maybe"}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()["fields"]
    closed = client.post(new_base + "close/", {"reason": "lost"}, format="json")
    assert (closed.json()["status"], closed.json()["status_reason"]) == ("closed", "lost")


def test_activate_without_lines_lists_what_is_missing(api, org):
    quote = make_quote(owner=org.sam)
    response = api(org.sam).post(f"/api/v1/quotes/{quote.pk}/activate/")
    assert response.status_code == 409
    assert response.json()["missing"] == ["lines"]


def test_stale_if_match_is_refused(api, org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    response = api(org.sam).post(f"/api/v1/quotes/{quote.pk}/activate/",
                                 HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"


def test_visibility_404_for_strangers_and_403_for_teammates(api, org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    base = f"/api/v1/quotes/{quote.pk}/"
    assert api(org.olga).get(base).status_code == 404
    assert api(org.olga).get(base + "lines/").status_code == 404
    assert api(org.sofia).get(base).status_code == 200
    response = api(org.sofia).post(base + "activate/")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert api(org.sofia).post(base + "lines/", {"write_in_name": "X", "unit_price": "1"},
                               format="json").status_code == 403
    assert api(org.maria).post(base + "activate/").status_code == 200
    ids = [r["id"] for r in api(org.olga).get("/api/v1/quotes/").json()["results"]]
    assert quote.pk not in ids


def test_idempotent_revise_creates_one_revision(api, org):
    quote = make_active_quote(owner=org.sam)
    client = api(org.sam)
    first = client.post(f"/api/v1/quotes/{quote.pk}/revise/", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(f"/api/v1/quotes/{quote.pk}/revise/", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Quote.objects.filter(number=quote.number).count() == 2


def test_filters(api, org):
    active = make_active_quote(owner=org.sam)
    draft = make_quote(owner=org.tom)
    client = api(org.admin)
    ids = lambda q: {r["id"] for r in client.get(f"/api/v1/quotes/?{q}").json()["results"]}  # noqa: E731
    assert ids("status=active") == {active.pk}
    assert ids(f"owner={org.tom.pk}") == {draft.pk}
    assert ids(f"number={active.number}") == {active.pk}
    assert ids("expiring=true") == set()


def test_quote_list_endpoint_query_count(api, org, django_assert_max_num_queries):
    for _ in range(30):
        add_lines(make_quote(owner=org.sam), 2)
    client = api(org.sam)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/quotes/?page_size=50")
    assert len(response.json()["results"]) == 30


def test_sixty_line_quote_lines_endpoint_query_count(api, org, django_assert_max_num_queries):
    quote = add_lines(make_quote(owner=org.sam), 60)
    client = api(org.sam)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/quotes/{quote.pk}/lines/?page_size=100")
    assert len(response.json()["results"]) == 60
    assert response.json()["results"][0]["product_name"] == "Item 001"


def test_pdf_endpoint(api, org):
    quote = make_active_quote(owner=org.sam)
    response = api(org.sam).get(f"/api/v1/quotes/{quote.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert api(org.sam).get(f"/api/v1/quotes/{quote.pk}/pdf/",
                            HTTP_ACCEPT="application/pdf").status_code == 200
    draft = make_quote(owner=org.sam)
    refused = api(org.sam).get(f"/api/v1/quotes/{draft.pk}/pdf/")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert api(org.olga).get(f"/api/v1/quotes/{quote.pk}/pdf/").status_code == 404


def test_sixty_line_pdf_endpoint_query_count(api, org, django_assert_max_num_queries):
    quote = add_lines(make_quote(owner=org.sam), 60)
    Quote.objects.filter(pk=quote.pk).update(status="active")
    client = api(org.sam)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/quotes/{quote.pk}/pdf/")
    assert response.status_code == 200
