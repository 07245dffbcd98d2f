"""Issue 16 item 3 in the browser: a seller wins an active quote from its page."""

from playwright.sync_api import expect

from quotes.models import Quote
from tests.quotes.factories import make_active_quote


def test_browser_seller_wins_a_quote_from_its_page(org, page, login):
    quote = make_active_quote(owner=org.sam, lines=(("Workshop", "1", "840.00", "0"),))
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    login(page, org.sam)
    page.goto(quote.get_absolute_url())
    actions = page.locator(".page-header .actions")
    expect(actions.get_by_role("link", name="Close…")).to_be_visible()
    actions.get_by_role("button", name="Win (create order)").click()

    expect(page.locator("h1")).to_contain_text("Order ORD-")
    expect(page.locator(".message-success")).to_contain_text(
        f"Quote {quote.display_number} won")
    assert dialogs and "840.00" in dialogs[0]
    assert Quote.objects.get(pk=quote.pk).status == "won"
