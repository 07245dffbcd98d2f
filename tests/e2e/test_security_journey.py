"""Pages outside the sales journeys run clean under the Content-Security-Policy (the `page`
fixture fails a test on any CSP violation or console error): the API docs, the Django admin,
the profile's API tokens, the password reset and the login lockout."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.factories import PASSWORD


def test_api_docs_render_under_the_csp(org, page, login):
    login(page, org.sam)
    page.goto("/api/v1/docs/")
    # Swagger UI built the operation list from the schema: its scripts ran
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    expect(page.get_by_role("link", name="accounts", exact=True)).to_be_visible()
    assert page.locator(".swagger-ui .opblock").count() > 5


def test_admin_pages_work_under_the_csp(org, page, login):
    login(page, org.admin)
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/users/user/")
    expect(page.locator("#result_list")).to_contain_text("sam")
    # the change form (with its admin scripts: related-object popups, date widgets)
    page.get_by_role("link", name="sam", exact=True).click()
    expect(page.get_by_label("Username")).to_have_value("sam")
    page.goto("/admin/axes/accessattempt/")
    expect(page.locator("#content")).to_be_visible()


def test_seller_creates_and_revokes_an_api_token_on_the_profile(org, page, login):
    page.on("dialog", lambda dialog: dialog.accept())  # "Revoke ...?" confirmation
    login(page, org.sam)
    page.goto("/profile/")
    page.get_by_label("Name").fill("Reporting script")
    page.get_by_label("Expires").select_option("30")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("[data-new-token]")).to_have_text(re.compile(r"^crm_\S{40,}$"))
    expect(page.locator("#api-tokens table")).to_contain_text("Reporting script")
    page.reload()
    expect(page.locator("[data-new-token]")).to_have_count(0)  # shown once
    page.get_by_role("button", name="Revoke Reporting script").click()
    expect(page.locator(".message-success")).to_contain_text("revoked")
    expect(page.locator("#api-tokens")).to_contain_text("No personal tokens yet")


def test_forgotten_password_is_reset_by_email(org, page, settings):
    org.sam.email = "sam@example.com"
    org.sam.save()
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("h1")).to_have_text("Check your e-mail")
    link = re.search(r"https?://\S+/password/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("#id_new_password1").fill("Fresh-Start-2026")
    page.locator("#id_new_password2").fill("Fresh-Start-2026")
    page.get_by_role("button", name="Set the password").click()
    expect(page.locator("h1")).to_have_text("Password set")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("Fresh-Start-2026")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_repeated_wrong_passwords_show_the_lockout_page(org, page, allow_console_errors):
    allow_console_errors(r"status of 429")  # the lockout page itself answers 429
    for _ in range(5):
        page.goto("/login/")
        page.get_by_label("Username").fill("sam")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Too many login attempts")
    expect(page.locator("main")).to_contain_text("Try again after")
    # the right password does not get through now either
    page.goto("/login/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Too many login attempts")


def test_the_harness_fails_a_page_that_breaks_the_csp(org, page, browser_problems):
    # The real login page, its real headers, plus an inline script and an inline style
    def tamper(route):
        response = route.fetch()
        body = response.text().replace(
            "</body>", '<script>document.title = "ran"</script><p style="color:red">x</p></body>')
        route.fulfill(response=response, body=body)

    page.route("**/login/", tamper)
    # the style comes after the script in the page, so its report arrives last
    with page.expect_console_message(lambda message: "style-src" in message.text):
        page.goto("/login/")
    expect(page.locator("h1")).to_have_text("Log in")
    assert page.title() != "ran"  # the browser refused the inline script
    found = [p for p in browser_problems if "CSP" in p or "Content Security Policy" in p]
    assert any("script-src" in p for p in found), browser_problems
    assert any("style-src" in p for p in found), browser_problems
    browser_problems.clear()  # seen and expected here; anywhere else they fail the test
