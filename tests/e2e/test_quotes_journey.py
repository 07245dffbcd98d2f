"""A seller quotes an opportunity: create, add lines, activate, revise, activate, PDF."""

import io
from decimal import Decimal

from playwright.sync_api import expect
from pypdf import PdfReader

from quotes.models import Quote
from tests.factories import PriceListItemFactory, ProductFactory
from tests.quotes.factories import OpportunityFactory, OpportunityLineFactory


def test_seller_quotes_an_opportunity_revises_it_and_downloads_the_pdf(org, page, login):
    # Given Sam's opportunity with one product line, and a catalog product on its price list
    opportunity = OpportunityFactory(owner=org.sam, topic="Fleet tablets", stage="develop")
    OpportunityLineFactory(opportunity=opportunity, write_in_name="Rollout workshop",
                           unit_price=Decimal("60.00"), quantity=Decimal("1"),
                           tax_rate=Decimal("8.00"))
    product = ProductFactory(name="Rugged tablet", sku="TAB-9", unit="each")
    PriceListItemFactory(price_list=opportunity.price_list, product=product,
                         unit_price=Decimal("12.00"))
    page.on("dialog", lambda dialog: dialog.accept())  # confirmations
    login(page, org.sam)

    # When he creates a quote from the opportunity page
    page.goto(opportunity.get_absolute_url())
    page.locator("#opportunity-quotes").get_by_role("link", name="Create quote").click()
    page.get_by_role("button", name="Create quote").click()
    expect(page.locator(".message-success")).to_contain_text("created from the opportunity")
    expect(page.locator("#quote-lines")).to_contain_text("Rollout workshop")
    quote = Quote.objects.get(opportunity=opportunity)

    # And adds two lines with the htmx editor (the page is not reloaded)
    page.evaluate("window.__same_page = true")
    editor = page.locator("#quote-lines")
    # (the product is picked through the catalog lookup, not a select of the whole catalog)
    editor.get_by_label("Search product").fill("rugged")
    product_select = editor.get_by_label("Product", exact=True)
    expect(product_select.locator(f"option[value='{product.pk}']")).to_have_count(1)
    product_select.select_option(value=str(product.pk))
    editor.get_by_label("Qty").fill("1")
    editor.get_by_label("Tax %").fill("8")
    editor.get_by_role("button", name="Add line").click()
    expect(editor.locator("[data-total=detail]")).to_have_text("72.00 USD")
    editor.get_by_label("or write-in").fill("Installation")
    editor.get_by_label("Qty").fill("1")
    editor.get_by_label("Unit price").fill("89.50")
    editor.get_by_label("Tax %").fill("8")
    editor.get_by_role("button", name="Add line").click()
    expect(editor.locator("[data-total=tax]")).to_have_text("12.92 USD")
    expect(editor.locator("[data-total=total]")).to_have_text("174.42 USD")
    assert page.evaluate("window.__same_page") is True

    # And edits the freight, then activates the quote
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Freight").fill("10.00")
    page.get_by_role("button", name="Save quote").click()
    expect(page.locator("[data-total=total]")).to_have_text("184.42 USD")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".message-success")).to_contain_text("is active")
    expect(page.get_by_role("button", name="Add line")).to_have_count(0)

    # And revises it, changes a quantity in the revision and activates the revision
    page.get_by_role("button", name="Revise").click()
    expect(page.locator(".subtitle")).to_contain_text(f"Revision 1 of {quote.number}")
    page.locator("#quote-lines").get_by_role("link", name="Edit").first.click()
    row = page.locator("#quote-lines tr.editing")
    expect(row.get_by_role("button", name="Save line")).to_be_visible()
    row.get_by_label("Qty").fill("2")
    page.get_by_role("button", name="Save line").click()
    expect(page.locator("[data-total=total]")).to_have_text("249.22 USD")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".message-success")).to_contain_text("is active")
    expect(page.locator(".revisions")).to_contain_text(f"{quote.number} rev. 1")
    expect(page.locator(".revisions a")).to_have_text(quote.number)

    # Then the PDF downloads, and carries the revision's total
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{quote.number}-rev1.pdf"
    reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == 1
    assert "249.22 USD" in text and "Rugged tablet" in text
