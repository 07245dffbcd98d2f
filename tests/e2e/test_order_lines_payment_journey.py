"""Issue 16 in the browser: an order's lines are edited with the shared line editor (product
lookup, in place), and a payment is recorded in place on the invoice page: an error shows on
the form without leaving the page, a valid payment lists itself and the totals and status
above refresh (record-changed). No console error (the conftest fails the test on any)."""

from decimal import Decimal

from playwright.sync_api import expect

from crm.catalog.models import PriceListItem
from invoices.models import OrderLine, Payment
from tests.factories import PriceListFactory, ProductFactory, TaxRateFactory
from tests.invoices.factories import make_invoice, make_order


def test_order_lines_through_the_line_editor_and_a_payment_in_place(org, page, login):
    price_list = PriceListFactory()
    scanner = ProductFactory(name="Card scanner", sku="HW-SCAN", unit="each",
                             default_tax_rate=TaxRateFactory(rate=Decimal("8")))
    PriceListItem.objects.create(price_list=price_list, product=scanner,
                                 unit_price=Decimal("89.50"))
    order = make_order(owner=org.sam, name="Scanner rollout")  # 184.42
    login(page, org.sam)

    # The order page: search the catalog, pick the product, add two
    page.goto(order.get_absolute_url())
    lines = page.locator("#order-lines")
    lines.get_by_role("searchbox", name="Search products by name or SKU").fill("scan")
    product = lines.get_by_label("Product", exact=True)
    expect(product.locator("option", has_text="Card scanner")).to_have_count(1)
    product.select_option(str(scanner.pk))
    lines.get_by_label("Qty").fill("2")
    lines.get_by_role("button", name="Add line").click()
    expect(lines.locator("tbody")).to_contain_text("Card scanner")
    expect(lines).to_contain_text("377.74")  # the new total, in place
    assert OrderLine.objects.filter(order=order, product=scanner).count() == 1
    assert page.url.endswith(order.get_absolute_url())

    # The invoice page: a payment above the balance is refused on the form, in place
    invoice = make_invoice(order=order)
    page.goto(invoice.get_absolute_url())
    payments = page.locator("#payments")
    payments.get_by_label("Amount").fill("999.00")
    payments.get_by_label("Reference").fill("wire 42")
    payments.get_by_role("button", name="Record payment").click()
    expect(payments).to_contain_text("more than the balance")
    expect(payments.get_by_label("Reference")).to_have_value("wire 42")
    assert not Payment.objects.exists()

    # A valid payment lists itself; the balance and the status above follow
    payments.get_by_label("Amount").fill("77.74")
    payments.get_by_role("button", name="Record payment").click()
    expect(page.locator("#payments")).to_contain_text("Payment of 77.74 USD recorded")
    expect(page.get_by_test_id("balance")).to_contain_text("300.00")
    expect(page.locator("#record-header h1")).to_contain_text("partially paid")
    page.locator("#payments").get_by_role("button", name="Record payment").click()  # the rest
    expect(page.locator("#payments")).to_contain_text("paid in full")
    expect(page.get_by_test_id("balance")).to_contain_text("0.00")
    expect(page.locator("#record-header h1")).to_contain_text("Paid")
    assert Payment.objects.count() == 2
