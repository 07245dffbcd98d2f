"""The REST contract of API.md for opportunities, lines and the process actions."""

from decimal import Decimal

import pytest

from opportunities.models import Opportunity, StageChange
from tests.factories import AccountFactory, PriceListFactory, PriceListItemFactory, ProductFactory

from .factories import OpportunityFactory, OpportunityLineFactory, ready_to_advance

BASE = "/api/v1/opportunities/"


def url(opportunity, action=""):
    return f"{BASE}{opportunity.pk}/{action + '/' if action else ''}"


def test_create_returns_the_record_with_its_state_and_etag(org, api):
    account = AccountFactory(owner=org.sam)

    response = api(org.sam).post(BASE, {"topic": "200 seats", "account": account.pk,
                                        "estimated_revenue": "96000.00",
                                        "estimated_close_date": "2026-12-20"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["status_reason"], body["stage"], body["pipeline_phase"]) == (
        "open", "in_progress", "qualify", "1-qualify")
    assert (body["estimated_revenue"], body["probability"], body["forecast_category"]) == (
        "96000.00", 10, "pipeline")
    assert body["owner"] == org.sam.pk and body["name"] == "200 seats"
    assert response["ETag"] == f'"{body["version"]}"'


def test_create_needs_a_customer_and_a_topic(org, api):
    response = api(org.sam).post(BASE, {}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "topic" in response.json()["fields"]


def test_stage_is_not_patched_directly(org, api):
    opportunity = OpportunityFactory(owner=org.sam)

    response = api(org.sam).patch(url(opportunity), {"stage": "close"}, format="json")

    assert response.status_code == 400
    assert "stage" in response.json()["fields"]


def test_stage_endpoint_describes_the_flow(org, api):
    opportunity = OpportunityFactory(owner=org.sam, purchase_timeframe="immediate")

    body = api(org.sam).get(url(opportunity, "stage")).json()

    assert body["stage"] == "qualify"
    assert [s["name"] for s in body["stages"]] == ["qualify", "develop", "propose", "close"]
    qualify = {s["field"]: s for s in body["stages"][0]["steps"]}
    assert set(qualify["account"]) == {"field", "label", "type", "choices", "required", "done"}
    assert qualify["account"] | {"choices": []} == {
        "field": "account", "label": "Account", "type": "account", "choices": [],
        "required": True, "done": True}
    assert qualify["purchase_timeframe"]["type"] == "choice"
    assert {"value": "immediate", "label": "Immediate"} in qualify["purchase_timeframe"][
        "choices"]
    assert qualify["decision_maker"] == {
        "field": "decision_maker", "label": "Decision maker identified", "type": "boolean",
        "choices": [], "required": False, "done": False}
    close = {s["field"]: s for s in body["stages"][3]["steps"]}
    assert close["decision_date"]["type"] == "date"


def test_advance_at_a_blocked_gate_answers_409_with_missing(org, api):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")

    response = api(org.sam).post(url(opportunity, "advance"))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["missing"] == ["customer_need"]
    assert "advance" in body["allowed"] and body["reason"] == "stage_steps_missing"


def test_a_step_is_filled_by_patching_its_field_then_advance_passes(org, api):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    client = api(org.sam)

    patched = client.patch(url(opportunity), {"customer_need": "Automate billing"},
                           format="json")
    assert patched.status_code == 200
    response = client.post(url(opportunity, "advance"), HTTP_IF_MATCH=patched["ETag"])

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["pipeline_phase"]) == (
        "propose", "3-propose")
    assert client.get(url(opportunity, "stage")).json()["stage"] == "propose"


def test_retreat_moves_one_stage_back(org, api):
    opportunity = OpportunityFactory(owner=org.sam, stage="close")

    response = api(org.sam).post(url(opportunity, "retreat"))

    assert response.status_code == 200 and response.json()["stage"] == "propose"


def test_retreat_from_qualify_is_refused(org, api):
    opportunity = OpportunityFactory(owner=org.sam)

    response = api(org.sam).post(url(opportunity, "retreat"))

    assert response.status_code == 409
    assert response.json()["allowed"] == ["advance", "win", "lose"]


def test_if_match_with_a_stale_version_answers_412(org, api):
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))
    stale = f'"{opportunity.version}"'
    client = api(org.sam)
    client.patch(url(opportunity), {"topic": "Renamed"}, format="json")

    for response in (
        client.patch(url(opportunity), {"topic": "Again"}, format="json", HTTP_IF_MATCH=stale),
        client.post(url(opportunity, "advance"), HTTP_IF_MATCH=stale),
        client.post(url(opportunity, "win"), {}, format="json", HTTP_IF_MATCH=stale),
    ):
        assert response.status_code == 412
        assert response.json()["code"] == "precondition_failed"
    opportunity.refresh_from_db()
    assert (opportunity.topic, opportunity.stage, opportunity.status) == (
        "Renamed", "qualify", "open")


def test_win_lose_and_reopen(org, api):
    opportunity = OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("800.00"))
    client = api(org.sam)

    won = client.post(url(opportunity, "win"), {"note": "Signed", "close_date": "2026-11-20"},
                      format="json")
    assert won.status_code == 200
    assert (won.json()["status"], won.json()["actual_revenue"], won.json()["actual_close_date"],
            won.json()["forecast_category"]) == ("won", "800.00", "2026-11-20", "won")

    locked = client.patch(url(opportunity), {"topic": "x"}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "record_locked"

    again = client.post(url(opportunity, "lose"), {"reason": "canceled"}, format="json")
    assert again.status_code == 409 and again.json()["allowed"] == ["reopen"]

    reopened = client.post(url(opportunity, "reopen"))
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"

    lost = client.post(url(opportunity, "lose"),
                       {"reason": "out_sold", "competitor": "Globex", "note": "Price"},
                       format="json")
    assert lost.status_code == 200
    assert (lost.json()["status"], lost.json()["status_reason"]) == ("lost", "out_sold")


def test_lose_with_an_unknown_reason_is_a_validation_error(org, api):
    opportunity = OpportunityFactory(owner=org.sam)

    response = api(org.sam).post(url(opportunity, "lose"), {"reason": "bored"}, format="json")

    assert response.status_code == 400 and "reason" in response.json()["fields"]


def test_lines_crud_with_catalog_price_and_read_only_totals(org, api):
    price_list = PriceListFactory()
    product = ProductFactory()
    PriceListItemFactory(price_list=price_list, product=product, unit_price=Decimal("20.00"))
    opportunity = OpportunityFactory(owner=org.sam, price_list=price_list,
                                     revenue_source="system")
    client = api(org.sam)
    lines = f"{url(opportunity)}lines/"

    created = client.post(lines, {"product": product.pk, "quantity": "3", "tax_rate": "8.00",
                                  "amount": "1.00"}, format="json")
    assert created.status_code == 201, created.json()
    line = created.json()
    assert (line["unit_price"], line["amount"], line["tax"], line["tax_rate"]) == (
        "20.00", "60.00", "4.80", "8.000")  # a rate has three decimals, as on quote lines
    assert line["quantity"] == "3.000"
    write_in = client.post(lines, {"write_in_name": "Setup", "unit_price": "12.00"},
                           format="json")
    assert write_in.status_code == 201

    updated = client.patch(f"{lines}{line['id']}/", {"manual_discount": "10.00"}, format="json")
    assert updated.status_code == 200 and updated.json()["amount"] == "50.00"
    assert client.get(url(opportunity)).json()["estimated_revenue"] == "62.00"

    assert client.delete(f"{lines}{line['id']}/").status_code == 204
    listing = client.get(lines).json()
    assert [r["name"] for r in listing["results"]] == ["Setup"]
    assert client.get(url(opportunity)).json()["estimated_revenue"] == "12.00"


def test_line_errors_name_the_field(org, api):
    opportunity = OpportunityFactory(owner=org.sam)

    response = api(org.sam).post(f"{url(opportunity)}lines/", {"write_in_name": "X"},
                                 format="json")

    assert response.status_code == 400 and "unit_price" in response.json()["fields"]


def test_filters_by_stage_status_owner_and_close_dates(org, api):
    OpportunityFactory(owner=org.sam, stage="develop", estimated_close_date="2026-12-01")
    OpportunityFactory(owner=org.sam, stage="qualify", estimated_close_date="2027-02-01")
    OpportunityFactory(owner=org.sofia, stage="develop", estimated_close_date="2026-12-05")
    client = api(org.maria)

    def topics(query):
        return len(client.get(BASE + query).json()["results"])

    assert topics("?stage=develop") == 2
    assert topics(f"?owner={org.sofia.pk}") == 1
    assert topics("?close_before=2026-12-31") == 2
    assert topics("?close_after=2027-01-01&status=open") == 1


# --- visibility on every route --------------------------------------------------------------

ROUTES = [
    ("get", ""), ("patch", ""), ("delete", ""), ("get", "stage"), ("post", "advance"),
    ("post", "retreat"), ("post", "win"), ("post", "lose"), ("post", "reopen"),
    ("get", "lines"), ("post", "lines"),
]


@pytest.mark.parametrize(("method", "action"), ROUTES)
def test_a_user_outside_the_team_gets_404_everywhere(org, api, method, action):
    opportunity = OpportunityFactory(owner=org.sam)

    response = getattr(api(org.olga), method)(url(opportunity, action), {}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("method", "action"), [r for r in ROUTES if r[0] != "get"])
def test_a_teammate_may_read_but_gets_403_on_changes(org, api, method, action):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")

    assert api(org.sofia).get(url(opportunity)).status_code == 200
    response = getattr(api(org.sofia), method)(url(opportunity, action), {}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_teammate_gets_403_on_a_line(org, api):
    line = OpportunityLineFactory(opportunity=OpportunityFactory(owner=org.sam))
    lines = f"{url(line.opportunity)}lines/{line.pk}/"

    assert api(org.sofia).get(lines).status_code == 200
    assert api(org.sofia).patch(lines, {"quantity": "2"}, format="json").status_code == 403
    assert api(org.olga).get(lines).status_code == 404


def test_the_manager_above_changes_and_reads_the_team(org, api):
    opportunity = OpportunityFactory(owner=org.tom, stage="propose", proposal_presented=True)

    response = api(org.maria).post(url(opportunity, "advance"))

    assert response.status_code == 200
    assert StageChange.objects.filter(opportunity=opportunity, actor=org.maria).exists()


def test_anonymous_gets_401(api, db):
    assert api().get(BASE).status_code == 401


def test_list_query_count_does_not_grow_with_rows(org, api, django_assert_max_num_queries):
    account = AccountFactory(owner=org.sam)
    OpportunityFactory.create_batch(200, owner=org.sam, account=account)
    client = api(org.maria)
    client.get(BASE)  # warm the token and user caches

    with django_assert_max_num_queries(8):
        response = client.get(BASE + "?page_size=200")

    assert len(response.json()["results"]) == 200


def test_idempotent_create_makes_one_record(org, api):
    account = AccountFactory(owner=org.sam)
    client = api(org.sam)
    body = {"topic": "Once", "account": account.pk}

    first = client.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(BASE, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Opportunity.objects.filter(topic="Once").count() == 1


def test_a_new_opportunity_cannot_skip_the_gates(org, api):
    account = AccountFactory(owner=org.sam)

    response = api(org.sam).post(BASE, {"topic": "Skip", "account": account.pk,
                                        "stage": "close"}, format="json")

    assert response.status_code == 400 and "stage" in response.json()["fields"]
