"""An admin reads the scoring models' figures and reliability curve, and turns scoring off
and on again (issue 23)."""

from playwright.sync_api import expect

from crm.scoring.models import ScoringModel
from crm.scoring.selectors import scoring_enabled


def test_admin_reads_the_model_figures_and_switches_scoring_off_and_on(org, page, login):
    # Given a trained lead model (figures as training stores them)
    ScoringModel.objects.create(
        kind="lead", version=3, train_size=31821, test_size=7956, auc=0.9055, brier=0.1156,
        base_rate_brier=0.2345, active=True, parameters={"features": [], "base_logit": 0.0},
        reliability=[{"lower": i / 10, "upper": (i + 1) / 10, "count": 100,
                      "predicted": i / 10 + 0.05, "observed": i / 10 + 0.04}
                     for i in range(10)])
    login(page, org.admin)

    # When he opens the scoring settings
    page.goto("/settings/scoring/")

    # Then each figure of the version shows, with the curve drawn
    section = page.locator("#scoring-lead")
    expect(section).to_contain_text("0.906")
    expect(section).to_contain_text("0.116")
    expect(section).to_contain_text("0.235")
    expect(section.locator("canvas")).to_be_visible()
    expect(page.locator("#scoring-opportunity")).to_contain_text(
        "Not enough history to score yet.")

    # When he turns scoring off
    page.get_by_label("Show scores on lists, record pages, the board and the API").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Scoring is off.", exact=True)).to_be_visible()
    assert scoring_enabled() is False

    # And on again
    page.get_by_label("Show scores on lists, record pages, the board and the API").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Scoring is on.", exact=True).first).to_be_visible()
    assert scoring_enabled() is True
