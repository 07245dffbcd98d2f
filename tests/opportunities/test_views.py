"""The HTML pages: list with filters and totals, detail with the process bar, forms, close,
lines and the pipeline board (same gate and message as the button)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from opportunities.models import Opportunity, OpportunityLine
from tests.factories import AccountFactory

from .factories import OpportunityFactory, OpportunityLineFactory, ready_to_advance

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(o):
    return reverse("opportunity-detail", args=[o.pk])


def test_list_shows_rows_totals_and_filters(org, web):
    OpportunityFactory(owner=org.sam, topic="Big deal", stage="develop",
                       estimated_revenue=Decimal("5000"))
    OpportunityFactory(owner=org.sam, topic="Small deal", estimated_revenue=Decimal("700"))
    client = web(org.sam)

    page = client.get(reverse("opportunity-list")).content.decode()
    assert "Big deal" in page and "Small deal" in page and "5,700.00" in page

    filtered = client.get(reverse("opportunity-list") + "?stage=develop").content.decode()
    assert "Big deal" in filtered and "Small deal" not in filtered and "5,000.00" in filtered


def test_list_empty_states(org, web):
    client = web(org.sam)

    assert "No opportunities yet" in client.get(reverse("opportunity-list")).content.decode()
    assert "No opportunities match" in client.get(
        reverse("opportunity-list") + "?stage=close").content.decode()


def test_list_query_count_with_200_rows(org, web, django_assert_max_num_queries):
    account = AccountFactory(owner=org.sam)
    OpportunityFactory.create_batch(200, owner=org.sam, account=account)
    client = web(org.maria)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("opportunity-list") + "?status=open&sort=-revenue")

    assert response.status_code == 200


def test_create_page_makes_an_opportunity_and_keeps_input_on_error(org, web):
    account = AccountFactory(owner=org.sam)
    client = web(org.sam)

    bad = client.post(reverse("opportunity-create"), {"topic": "No customer", "rating": "warm",
                                                      "revenue_source": "user",
                                                      "forecast_category": "pipeline"})
    assert bad.status_code == 200
    assert "Choose an account or a contact" in bad.content.decode()
    assert 'value="No customer"' in bad.content.decode()

    good = client.post(reverse("opportunity-create"), {
        "topic": "New seats", "account": account.pk, "rating": "hot",
        "revenue_source": "user", "estimated_revenue": "1200.00",
        "forecast_category": "best_case", "estimated_close_date": "2026-12-31"})
    opportunity = Opportunity.objects.get(topic="New seats")
    assert good.status_code == 302 and good["Location"] == detail(opportunity)
    assert (opportunity.owner, opportunity.probability, opportunity.forecast_category) == (
        org.sam, 10, "best_case")


def test_detail_shows_the_process_bar_with_the_current_steps(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")

    page = web(org.sam).get(detail(opportunity)).content.decode()

    assert 'aria-current="step"' in page and "2. Develop" in page
    assert "Customer need" in page and "(required)" in page
    assert "Next stage: Propose" in page
    assert "Required before Propose: Customer need" in page


def test_next_stage_explains_what_is_missing(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    client = web(org.sam)

    response = client.post(reverse("opportunity-advance", args=[opportunity.pk]),
                           {"from_stage": "develop"}, follow=True)

    assert "Fill in Customer need before moving to Propose." in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_filling_the_step_and_pressing_next_stage_moves_in_one_go(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")

    response = web(org.sam).post(reverse("opportunity-advance", args=[opportunity.pk]), {
        "from_stage": "develop", "step-customer_need": "Faster quotes",
    }, follow=True)

    assert "Moved to Propose." in response.content.decode()
    opportunity.refresh_from_db()
    assert (opportunity.stage, opportunity.customer_need) == ("propose", "Faster quotes")


def test_steps_save_inline_with_htmx(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="propose")

    response = web(org.sam).post(reverse("opportunity-steps", args=[opportunity.pk]), {
        "step-proposal_presented": "on", "step-proposal_developed": "on"}, **HTMX)

    assert response.status_code == 200
    assert 'id="process"' in response.content.decode()
    assert "Required before" not in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.proposal_presented and opportunity.proposal_developed
    assert not opportunity.internal_review_done


def test_gate_error_comes_back_in_the_process_bar_with_htmx(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="close")
    Opportunity.objects.filter(pk=opportunity.pk).update(stage="propose")

    response = web(org.sam).post(reverse("opportunity-advance", args=[opportunity.pk]),
                                 {"from_stage": "propose"}, **HTMX)

    assert "Fill in Proposal presented before moving to Close." in response.content.decode()


def test_edit_page_saves_and_refuses_closed_records(org, web):
    opportunity = OpportunityFactory(owner=org.sam)
    client = web(org.sam)
    form = client.get(reverse("opportunity-update", args=[opportunity.pk]))
    assert form.status_code == 200 and "Qualify steps" in form.content.decode()

    response = client.post(reverse("opportunity-update", args=[opportunity.pk]), {
        "topic": "Renamed", "account": opportunity.account_id, "rating": "cold",
        "revenue_source": "user", "estimated_revenue": "10", "forecast_category": "committed",
        "probability": "55", "version": opportunity.version, "purchase_timeframe": "this_year",
    })
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.topic, opportunity.probability, opportunity.purchase_timeframe) == (
        "Renamed", 55, "this_year")

    client.post(reverse("opportunity-win", args=[opportunity.pk]), {})
    locked = client.get(reverse("opportunity-update", args=[opportunity.pk]), follow=True)
    assert "read-only" in locked.content.decode()


def test_win_and_lose_pages(org, web):
    won = OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("300"))
    lost = OpportunityFactory(owner=org.sam)
    client = web(org.sam)

    assert client.get(reverse("opportunity-win", args=[won.pk])).status_code == 200
    response = client.post(reverse("opportunity-win", args=[won.pk]),
                           {"actual_revenue": "320.00", "note": "Yes"}, follow=True)
    assert "Won" in response.content.decode()
    response = client.post(reverse("opportunity-lose", args=[lost.pk]),
                           {"reason": "out_sold", "competitor": "Globex"}, follow=True)
    assert "closed as lost" in response.content.decode()
    won.refresh_from_db()
    lost.refresh_from_db()
    assert (won.status, won.actual_revenue, lost.status) == ("won", Decimal("320.00"), "lost")

    reopened = client.post(reverse("opportunity-reopen", args=[lost.pk]), follow=True)
    assert "Opportunity reopened." in reopened.content.decode()


def test_line_pages_add_edit_and_remove(org, web):
    opportunity = OpportunityFactory(owner=org.sam, revenue_source="system")
    client = web(org.sam)
    add = reverse("opportunity-line-add", args=[opportunity.pk])

    bad = client.post(add, {"line-write_in_name": "Setup", "line-quantity": "2"})
    assert "A write-in product needs a unit price." in bad.content.decode()
    client.post(add, {"line-write_in_name": "Setup", "line-quantity": "2",
                      "line-unit_price": "150", "line-tax_rate": "10"})
    line = OpportunityLine.objects.get(opportunity=opportunity)
    assert (line.amount, line.tax) == (Decimal("300.00"), Decimal("30.00"))

    edit = reverse("opportunity-line-update", args=[opportunity.pk, line.pk])
    client.post(edit, {"line-quantity": "3", "line-unit_price": "150", "line-tax_rate": "10",
                       "line-manual_discount": "0"})
    opportunity.refresh_from_db()
    assert opportunity.estimated_revenue == Decimal("450.00")
    assert "450.00" in client.get(detail(opportunity)).content.decode()

    client.post(edit, {"delete": "1"})
    assert not OpportunityLine.objects.filter(opportunity=opportunity).exists()


# --- the board ------------------------------------------------------------------------------


def test_board_shows_columns_with_counts_and_sums(org, web):
    OpportunityFactory(owner=org.sam, stage="develop", estimated_revenue=Decimal("1000"))
    OpportunityFactory(owner=org.sam, stage="develop", estimated_revenue=Decimal("250.50"))
    OpportunityFactory(owner=org.sam, stage="close", estimated_revenue=Decimal("99"))
    won = OpportunityFactory(owner=org.sam, stage="close")
    from opportunities import services

    services.opportunity_win(opportunity=won, actor=org.sam)

    response = web(org.sam).get(reverse("opportunity-board"))

    columns = {c["stage"]: c for c in response.context["columns"]}
    assert (columns["develop"]["count"], columns["develop"]["revenue"]) == (
        2, Decimal("1250.50"))
    assert (columns["close"]["count"], columns["qualify"]["count"]) == (1, 0)
    assert "1,250.50" in response.content.decode()


def test_board_query_count_with_200_opportunities(org, web, django_assert_max_num_queries):
    account = AccountFactory(owner=org.sam)
    for stage in ("qualify", "develop", "propose", "close"):
        OpportunityFactory.create_batch(50, owner=org.sam, account=account, stage=stage)
    client = web(org.maria)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("opportunity-board"))
    cards = 0
    for stage in ("qualify", "develop", "propose", "close"):  # each lane loads on demand
        with django_assert_max_num_queries(8):
            lane = client.get(reverse("opportunity-board-lane", args=[stage]))
        cards += len(lane.context["col"]["cards"])

    assert [c["count"] for c in response.context["columns"]] == [50, 50, 50, 50]
    assert cards == 200


def test_dragging_to_the_next_stage_uses_the_same_gate_and_message(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    client = web(org.sam)
    move = reverse("opportunity-move", args=[opportunity.pk])

    refused = client.post(move, {"from_stage": "develop", "to_stage": "propose"}, **HTMX)
    assert "Fill in Customer need before moving to Propose." in refused.content.decode()
    assert 'class="card error"' in refused.content.decode()

    Opportunity.objects.filter(pk=opportunity.pk).update(customer_need="Speed")
    moved = client.post(move, {"from_stage": "develop", "to_stage": "propose"}, **HTMX)
    assert "moved to Propose" in moved.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == "propose"


def test_dragging_across_two_stages_is_refused(org, web):
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))

    response = web(org.sam).post(reverse("opportunity-move", args=[opportunity.pk]),
                                 {"from_stage": "qualify", "to_stage": "propose"}, **HTMX)

    assert "one stage at a time" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == "qualify"


def test_dragging_back_one_stage(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="propose")

    web(org.sam).post(reverse("opportunity-move", args=[opportunity.pk]),
                      {"from_stage": "propose", "to_stage": "develop"}, **HTMX)

    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_a_teammate_sees_the_card_but_cannot_move_it(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="propose")
    client = web(org.sofia)

    board = client.get(reverse("opportunity-board-lane", args=["propose"])).content.decode()
    assert opportunity.topic in board and "data-movable" not in board
    response = client.post(reverse("opportunity-move", args=[opportunity.pk]),
                           {"from_stage": "propose", "to_stage": "develop"}, **HTMX)
    assert "may view this record but not change it" in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.stage == "propose"


# --- visibility on every HTML route ---------------------------------------------------------

READ_ROUTES = ["opportunity-detail"]
CHANGE_ROUTES = [
    ("get", "opportunity-update"), ("post", "opportunity-update"), ("post", "opportunity-steps"),
    ("post", "opportunity-advance"), ("post", "opportunity-retreat"),
    ("post", "opportunity-move"), ("get", "opportunity-win"), ("post", "opportunity-win"),
    ("get", "opportunity-lose"), ("post", "opportunity-lose"), ("post", "opportunity-reopen"),
    ("post", "opportunity-hold"), ("get", "opportunity-line-add"),
    ("post", "opportunity-line-add"),
]


@pytest.mark.parametrize(("method", "name"), [("get", n) for n in READ_ROUTES] + CHANGE_ROUTES)
def test_html_routes_answer_404_outside_the_team(org, web, method, name):
    opportunity = OpportunityFactory(owner=org.sam)

    response = getattr(web(org.olga), method)(reverse(name, args=[opportunity.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "name"), [r for r in CHANGE_ROUTES
                                              if r[1] != "opportunity-move"])
def test_html_change_routes_answer_403_to_a_teammate(org, web, method, name):
    opportunity = OpportunityFactory(owner=org.sam)

    response = getattr(web(org.sofia), method)(reverse(name, args=[opportunity.pk]))

    assert response.status_code == 403


def test_line_edit_route_is_scoped_too(org, web):
    line = OpportunityLineFactory(opportunity=OpportunityFactory(owner=org.sam))
    url = reverse("opportunity-line-update", args=[line.opportunity_id, line.pk])

    assert web(org.olga).get(url).status_code == 404


def test_pages_need_a_login(client, db):
    response = client.get(reverse("opportunity-board"))

    assert response.status_code == 302 and "/login/" in response["Location"]
