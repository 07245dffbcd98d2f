"""A seller works his leads by score (issue 23): sorts the list by the Score column, filters it
by grade, reads why the best lead scores high on its page, and sees the grades on the board."""

from playwright.sync_api import expect

from crm.scoring.models import LeadScore, OpportunityScore
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory


def test_seller_sorts_leads_by_score_reads_the_factors_and_sees_grades_on_the_board(
        org, page, login):
    # Given Sam's open leads have scores, one without enough history yet
    best = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy")
    LeadScore.objects.create(lead=best, score=88, grade="A", factors=[
        {"label": "Referral lead", "effect": 14},
        {"label": "Meeting in the last 14 days", "effect": 9},
        {"label": "No answer to the last 2 emails", "effect": -6},
    ])
    LeadScore.objects.create(lead=LeadFactory(owner=org.sam, first_name="Ned", last_name="Weak"),
                             score=22, grade="D", factors=[])
    young = LeadFactory(owner=org.sam, first_name="Yara", last_name="Young")
    LeadScore.objects.create(lead=young, score=None, grade="", factors=[])
    deal = OpportunityFactory(owner=org.sam, stage="develop", topic="Fleet tablets")
    OpportunityScore.objects.create(opportunity=deal, score=64, grade="B", factors=[])
    login(page, org.sam)

    # When he sorts his leads by score, best first
    page.goto("/leads/")
    page.get_by_role("link", name="Score", exact=True).click()
    page.wait_for_url("**sort=score**")
    page.get_by_role("link", name="Score", exact=True).click()
    page.wait_for_url("**sort=-score**")

    # Then the best lead comes first and the unscored one last
    rows = page.locator("table.list tbody tr")
    expect(rows.first).to_contain_text("Regina Murphy")
    expect(rows.first).to_contain_text("A 88")
    expect(rows.last).to_contain_text("Yara Young")

    # When he keeps only grade D
    page.get_by_label("Score grade").select_option("D")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**grade=D**")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ned Weak")

    # On the best lead's page the badge says why, in words with signed effects
    page.goto(f"/leads/{best.pk}/")
    badge = page.get_by_role("group", name="Score")
    expect(badge).to_contain_text("A")
    expect(badge).to_contain_text("88 of 100")
    expect(badge.get_by_role("listitem")).to_have_text([
        "Referral lead +14", "Meeting in the last 14 days +9",
        "No answer to the last 2 emails \u22126"])

    # A lead without enough history says so instead of a number
    page.goto(f"/leads/{young.pk}/")
    expect(page.get_by_role("group", name="Score")).to_contain_text(
        "Not enough history to score")

    # And the board's card shows the deal's grade
    page.goto("/opportunities/board/")
    card = page.locator("#board li.card", has_text="Fleet tablets")
    expect(card.locator("[data-score-grade]")).to_have_text("Score grade B")
