"""Saved views in the browser (issue 19): choose a column with the keyboard-friendly column
chooser, save the view as the default, reopen the list and find the view applied."""

import re

from playwright.sync_api import expect

from crm.listviews.models import SavedView
from tests.leads.factories import LeadFactory


def test_seller_saves_a_view_with_a_chosen_column_and_the_list_reopens_with_it(org, page, login):
    # Given Sam has a hot and a cold lead
    LeadFactory(owner=org.sam, last_name="Hotlead", rating="hot", city="Springfield")
    LeadFactory(owner=org.sam, last_name="Coldlead", rating="cold", city="Shelbyville")
    login(page, org.sam)
    page.get_by_role("link", name="Leads").first.click()
    expect(page.locator("table.list")).to_contain_text("Coldlead")

    # He filters on hot leads
    page.locator("form.filters").get_by_label("Rating").select_option("hot")
    page.locator("form.filters").get_by_role("button", name="Apply").click()
    expect(page.locator("table.list")).not_to_contain_text("Coldlead")

    # He adds the City column and moves it up, with the keyboard
    chooser = page.locator("details.column-chooser")
    chooser.locator("summary").focus()
    page.keyboard.press("Enter")
    city = chooser.get_by_label("City")
    city.focus()
    page.keyboard.press("Space")
    expect(city).to_be_checked()
    chooser.get_by_role("button", name="Show these columns").click()
    expect(page.locator("table.list thead")).to_contain_text("City")
    page.locator("details.column-chooser summary").click()
    page.get_by_role("button", name="Move City up").click()
    page.wait_for_url(re.compile(r"cols=[^&]*city%2Ccreated"))
    headers = [h.strip() for h in page.locator("table.list thead th").all_text_contents()]
    position = {name: next(i for i, h in enumerate(headers) if h.startswith(name))
                for name in ("City", "Created")}
    assert position["City"] < position["Created"]

    # He saves it as a view that the list opens with
    save = page.locator("details.save-view")
    save.locator("summary").click()
    save.get_by_label("Name").fill("Hot leads by city")
    save.get_by_label("Open this list with it").check()
    save.get_by_role("button", name="Save view").click()
    expect(page.locator(".message-success")).to_contain_text("Hot leads by city")
    view = SavedView.objects.get()
    assert view.filters["rating"] == "hot" and "city" in view.columns

    # When he comes back to the leads list later
    page.goto(page.url.split("/leads/")[0] + "/")
    page.get_by_role("link", name="Leads").first.click()

    # Then the list opens with his view: filtered, with the City column
    expect(page.locator("nav.saved-views a.active")).to_contain_text("Hot leads by city")
    expect(page.locator("table.list thead")).to_contain_text("City")
    expect(page.locator("table.list tbody")).to_contain_text("Springfield")
    expect(page.locator("table.list tbody")).not_to_contain_text("Coldlead")

    # And the views page lists it, marked as the default, with its rename and share form
    page.get_by_role("link", name="Manage views").click()
    expect(page.locator("h1")).to_contain_text("Views of Leads")
    expect(page.locator("main, body").first).to_contain_text("(default)")
    expect(page.get_by_role("link", name="Hot leads by city")).to_be_visible()
