"""A long list's export in the browser (issue 17): the export button queues it, the page says
so, "My exports" shows it ready and downloads the file."""

import csv
import io

from playwright.sync_api import expect

from tests.leads.factories import LeadFactory


def test_seller_exports_a_long_list_and_downloads_it_from_my_exports(org, page, login, settings):
    # Given Sam's lead list is longer than what is exported inside the request
    for name in ("Alpha", "Bravo", "Charlie"):
        LeadFactory(owner=org.sam, company=f"{name} GmbH")
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 2
    login(page, org.sam)
    page.get_by_role("link", name="Leads").first.click()
    expect(page.locator("table.list")).to_contain_text("Alpha GmbH")

    # When he exports it as CSV
    page.get_by_role("link", name="Export CSV").click()

    # Then the list says the export is being prepared, with the way to "My exports"
    message = page.locator(".message-info")
    expect(message).to_contain_text("Your export is being prepared")
    message.get_by_role("link", name="My exports").click()

    # And "My exports" lists it ready; its link downloads the file with every lead
    row = page.locator("#export-jobs tbody tr").first
    expect(row).to_contain_text("Ready")
    with page.expect_download() as info:
        row.get_by_role("link").click()
    download = info.value
    assert download.suggested_filename.startswith("leads-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        table = list(csv.reader(io.StringIO(handle.read())))
    assert sorted(r[table[0].index("Company")] for r in table[1:]) == [
        "Alpha GmbH", "Bravo GmbH", "Charlie GmbH"]
