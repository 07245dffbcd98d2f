"""A seller works an opportunity: fills the required step, advances it, drags it on the
pipeline board to the next stage and wins it from the board."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from opportunities.models import Opportunity
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _drag(page, card, lane):
    """Drag with the mouse the way a person does (SortableJS pointer fallback)."""
    box, target = card.locator(".row").first.bounding_box(), lane.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + 10, steps=3)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 60, steps=12)
    page.mouse.up()


def test_seller_fills_a_step_advances_drags_on_the_board_and_wins(org, page, login):
    # given Sam's opportunity in Develop whose "customer need" is still empty
    opportunity = OpportunityFactory(
        owner=org.sam, topic="Fleet tablets for Contoso", stage="develop",
        account=AccountFactory(owner=org.sam, name="Contoso"),
        estimated_revenue=Decimal("48000.00"), proposal_presented=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, org.sam)

    # when he opens it, the process bar says what is missing before Propose
    page.goto(opportunity.get_absolute_url())
    process = page.locator("#process")
    expect(process.locator("li[aria-current=step]")).to_contain_text("Develop")
    expect(process.locator("[data-missing]")).to_contain_text("Customer need")

    # and he fills the step and presses "Next stage"
    process.get_by_label("Customer need").fill("Replace paper checklists in 40 vans")
    process.get_by_role("button", name="Next stage: Propose").click()
    expect(page.locator(".message-success")).to_contain_text("Moved to Propose")
    expect(page.locator("#process li[aria-current=step]")).to_contain_text("Propose")

    # then on the board he drags the card from Propose to Close
    page.goto("/opportunities/board/")
    card = page.locator("li.card", has_text="Fleet tablets for Contoso")
    expect(page.locator("ul.cards[data-stage=propose]")).to_contain_text("Fleet tablets")
    _drag(page, card, page.locator("section[data-lane=close]"))
    expect(page.locator("#board .message-success")).to_contain_text("moved to Close")
    expect(page.locator("ul.cards[data-stage=close]")).to_contain_text("Fleet tablets")
    expect(page.locator("section[data-lane=close] [data-count]")).to_have_text("1")

    # and wins it from the card
    page.locator("li.card", has_text="Fleet tablets").get_by_role("link", name="Won").click()
    page.get_by_label("Note").fill("Signed at the depot")
    page.get_by_role("button", name="Close as won").click()
    expect(page.locator(".message-success")).to_contain_text("Won “Fleet tablets for Contoso”")
    expect(page.locator("#board")).not_to_contain_text("Fleet tablets")

    assert errors == []
    opportunity = Opportunity.objects.get(pk=opportunity.pk)
    assert (opportunity.status, opportunity.stage, opportunity.actual_revenue) == (
        "won", "close", Decimal("48000.00"))
