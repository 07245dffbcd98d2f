import re

from playwright.sync_api import expect

from leads.models import Lead
from opportunities.models import Opportunity
from tests.leads.factories import LeadFactory


def test_seller_creates_a_lead_sees_the_duplicate_warning_qualifies_it_and_lands_on_the_opportunity(
        org, page, login):
    # Given Sam already has a lead for Regina from a trade show
    earlier = LeadFactory(owner=org.sam, topic="Trade show contact", first_name="Regina",
                          last_name="Murphy", company="Zephyr Analytics",
                          email="regina@zephyr.example")
    login(page, org.sam)

    # When he captures a new lead with the same email address
    page.get_by_role("link", name="Leads").first.click()
    page.get_by_role("link", name="New lead").click()
    page.get_by_label("Topic").fill("40 CRM seats")
    page.get_by_label("First name").fill("Regina")
    page.get_by_label("Last name").fill("Murphy")
    page.get_by_label("Email", exact=True).fill("REGINA@zephyr.example")

    # Then, while typing, the form warns about the likely duplicate
    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_contain_text("Same email")
    expect(warning.get_by_role("link")).to_have_text(re.compile("Regina Murphy"))

    # He saves anyway (a separate deal: he confirms); the detail page lists the duplicate too
    page.get_by_label("Company").fill("Zephyr Analytics")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Save lead").click()
    expect(page.locator(".message-success")).to_contain_text("created")
    expect(page.get_by_test_id("duplicates-panel")).to_contain_text("Same email")
    expect(page.get_by_test_id("lead-status")).to_have_text("New")

    # When he qualifies it from the dialog
    page.get_by_role("link", name="Qualify").click()
    dialog = page.locator("#qualify-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Qualify").click()

    # Then he lands on the new opportunity, in the develop stage
    opportunity = Opportunity.objects.get()
    page.wait_for_url(f"**{opportunity.get_absolute_url()}")
    expect(page.locator("h1")).to_contain_text("40 CRM seats")
    assert opportunity.stage == "develop"
    assert opportunity.account.name == "Zephyr Analytics"
    new_lead = Lead.objects.exclude(pk=earlier.pk).get()
    assert new_lead.status == "qualified"
    assert new_lead.qualifying_opportunity_id == opportunity.pk
