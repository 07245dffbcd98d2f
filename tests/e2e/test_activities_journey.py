from playwright.sync_api import expect

from tests.factories import AccountFactory, ContactFactory


def test_seller_logs_a_call_and_a_note_on_a_contact_and_sees_them_on_its_account(
        org, page, login):
    # Given Sam's contact Hank at Globex
    account = AccountFactory(name="Globex Corporation", owner=org.sam)
    contact = ContactFactory(first_name="Hank", last_name="Scorpio", account=account,
                             owner=org.sam)
    login(page, org.sam)
    page.goto(contact.get_absolute_url())
    panel = page.locator("#timeline-panel")
    expect(panel).to_contain_text("Nothing on the timeline yet")

    # When he logs a call from the contact's timeline panel (no page load)
    url_before = page.url
    panel.get_by_text("+ Log call").click()
    call_form = page.locator("form[aria-label='Log call']")
    call_form.get_by_label("Subject").fill("Discussed the hammock order")
    call_form.get_by_label("Duration (minutes)").fill("15")
    call_form.get_by_role("button", name="Save log call").click()
    expect(page.locator("#timeline-panel .message-success")).to_contain_text(
        "Discussed the hammock order")
    # and adds a note
    page.locator("#timeline-panel").get_by_text("+ Note").click()
    page.locator("form[aria-label='Note']").get_by_label("Note").fill(
        "Wants delivery before the summer.")
    page.locator("form[aria-label='Note']").get_by_role("button", name="Save note").click()

    # Then both are on the contact's timeline, newest first, and he never left the page
    entries = page.locator("#timeline-panel li.tl-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Wants delivery before the summer.")
    expect(entries.nth(1)).to_contain_text("Discussed the hammock order")
    assert page.url == url_before

    # And the account's timeline shows both, rolled up from the contact
    page.goto(account.get_absolute_url())
    entries = page.locator("#timeline-panel li.tl-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(1)).to_contain_text("Discussed the hammock order")
    expect(entries.nth(1)).to_contain_text("Hank Scorpio")

    # And the filter narrows the account's timeline to notes
    page.locator("#timeline-panel select[name=kind]").select_option("note")
    expect(page.locator("#timeline-panel li.tl-entry")).to_have_count(1)
    expect(page.locator("#timeline-panel li.tl-entry")).to_contain_text("Wants delivery")
