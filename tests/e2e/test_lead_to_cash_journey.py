"""A seller takes a lead all the way to cash through the pages (Playwright on Chromium)."""

import re

from playwright.sync_api import expect

from invoices.models import Invoice, Order


def _add_line(page, name, quantity, price, tax, discount=""):
    details = page.locator("#lines details")
    details.evaluate("element => { element.open = true; }")
    form = details.locator("form")
    form.get_by_label("Write-in product").fill(name)
    form.get_by_label("Quantity").fill(quantity)
    form.get_by_label("Unit price").fill(price)
    if discount:
        form.get_by_label("Manual discount").fill(discount)
    form.get_by_label("Tax %").fill(tax)
    form.get_by_role("button", name="Add line").click()
    expect(page.locator("#lines table")).to_contain_text(name)


def test_seller_takes_a_lead_to_a_paid_invoice(org, page, login, allow_console_errors):
    # the refused payment answers 400 with the form and its errors
    allow_console_errors(r"status of 400")
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" confirmations
    login(page, org.sam)

    # a new lead
    page.goto("/leads/new/")
    page.get_by_label("Topic").fill("Card scanners for the sales floor")
    page.get_by_label("First name").fill("Iris")
    page.get_by_label("Last name").fill("Quayle")
    page.get_by_label("Company").fill("Quayle Freight Unlimited")
    page.get_by_label("Email", exact=True).fill("iris@quayle-freight.example")
    page.get_by_role("button", name="Save lead").click()
    expect(page.locator("h1")).to_contain_text("Quayle")

    # qualify it: account, contact and opportunity (the opportunity page opens, in Develop)
    page.get_by_role("link", name="Qualify").click()
    page.locator("#qualify-dialog").get_by_role("button", name="Qualify").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+/"))
    expect(page.locator("#process")).to_contain_text("Develop")

    # move through the stages, filling each required step
    page.get_by_label("Customer need").fill("Scan cards at trade fairs")
    page.get_by_role("button", name=re.compile("Next stage: Propose")).click()
    expect(page.locator("li[aria-current=step]")).to_contain_text("Propose")
    page.get_by_label("Proposal presented").check()
    page.get_by_role("button", name=re.compile("Next stage: Close")).click()
    expect(page.locator("li[aria-current=step]")).to_contain_text("Close")

    # product lines: the PROCESS.md test vector
    _add_line(page, "Online training seat", "1", "60.00", "8")
    _add_line(page, "Cable kit", "2", "6.00", "8")
    _add_line(page, "Card scanner", "1", "100.00", "8", discount="10.50")
    opportunity_url = page.url

    # a quote from the opportunity, with freight, activated
    page.locator("#opportunity-quotes").get_by_role("link", name="Create quote").click()
    page.get_by_role("button", name="Create quote").click()
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Freight").fill("10.00")
    page.get_by_role("button", name="Save quote").click()
    expect(page.locator("body")).to_contain_text("184.42")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".message-info")).to_contain_text("active")

    # the customer wants a change: revise, then activate revision 1
    page.get_by_role("button", name="Revise").click()
    expect(page.locator(".message-success")).to_contain_text("Revision 1")
    page.get_by_role("button", name="Activate").click()

    # create the order (and win the opportunity)
    page.get_by_role("link", name="Create order").click()
    expect(page.get_by_label("Also close the opportunity")).to_be_checked()
    page.get_by_role("button", name="Create order").click()
    expect(page.locator("h1")).to_contain_text("Order ORD-")
    expect(page.locator("[data-testid=total]")).to_contain_text("184.42")

    # deliver and invoice
    page.get_by_role("button", name="Mark fulfilled").click()
    expect(page.locator(".message-success")).to_contain_text("fulfilled")
    page.get_by_role("link", name="Create invoice").click()
    page.get_by_role("button", name="Invoice everything remaining").click()
    expect(page.locator(".message-success")).to_contain_text("Draft invoice created")
    page.get_by_role("button", name="Issue invoice").click()
    expect(page.locator("h1")).to_contain_text("Invoice INV-")

    # two payments; a too-large amount is refused and what was typed stays
    page.get_by_label("Amount").fill("500.00")
    page.get_by_label("Reference").fill("TX-1")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".errorlist")).to_contain_text("more than the balance")
    expect(page.get_by_label("Reference")).to_have_value("TX-1")
    page.get_by_label("Amount").fill("100.00")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("[data-testid=balance]")).to_contain_text("84.42")
    page.get_by_label("Amount").fill("84.42")
    page.get_by_label("Reference").fill("TX-2")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#payments .message-success")).to_contain_text("paid in full")
    expect(page.locator("h1")).to_contain_text("Paid")

    # then the invoice list shows it paid, and the opportunity is won
    page.get_by_role("link", name="Invoices").first.click()
    expect(page.locator("table.list")).to_contain_text("Paid")
    page.goto(opportunity_url)
    expect(page.locator("body")).to_contain_text("Won")
    order = Order.objects.get()
    invoice = Invoice.objects.get()
    assert order.status == "fulfilled" and order.opportunity.status == "won"
    assert invoice.status == "paid" and str(invoice.amount_paid) == "184.42"
    assert invoice.payments.count() == 2
