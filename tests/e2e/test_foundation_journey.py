from playwright.sync_api import expect


def test_seller_creates_an_account_and_a_contact_sees_them_listed_and_logs_out(org, page, login):
    # Given Sam, a seller, logged in through the login page
    login(page, org.sam)

    # When he creates an account through the form (a first attempt with a bad website)
    page.get_by_role("link", name="Accounts").first.click()
    page.get_by_role("link", name="New account").click()
    page.get_by_label("Name").fill("Globex Corporation")
    page.get_by_label("Website").fill("not a url")
    page.get_by_role("button", name="Save account").click()
    # then the form says what is wrong and keeps what he typed
    expect(page.locator(".errorlist")).to_contain_text("valid URL")
    expect(page.get_by_label("Name")).to_have_value("Globex Corporation")
    page.get_by_label("Website").fill("https://globex.example")
    page.get_by_label("City").first.fill("Springfield")
    page.get_by_role("button", name="Save account").click()
    expect(page.locator(".message-success")).to_contain_text("Globex Corporation")
    expect(page.locator("h1")).to_have_text("Globex Corporation")

    # And adds a contact from the account page
    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("First name").fill("Hank")
    page.get_by_label("Last name").fill("Scorpio")
    page.get_by_label("Email", exact=True).fill("hank@globex.example")
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator("h1")).to_have_text("Hank Scorpio")
    expect(page.locator(".subtitle")).to_contain_text("Globex Corporation")

    # Then both appear in their lists
    page.get_by_role("link", name="Accounts").first.click()
    expect(page.locator("table.list")).to_contain_text("Globex Corporation")
    page.get_by_role("link", name="Contacts").first.click()
    page.get_by_label("Search").first.fill("Scorpio")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.list")).to_contain_text("Hank Scorpio")

    # And logging out returns to the login page
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
