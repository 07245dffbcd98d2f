"""Issue 16 item 2: a quick action refreshes every fragment of the record page it changes.

The action answers with `HX-Trigger: record-changed`; the header and details fragments listen
for it and re-fetch themselves from the record page (`hx-select` by id). These tests check both
halves: the trigger on each action, and the re-fetched fragment's new content.
"""

import json
import re
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from crm.activities import services as activity_services
from crm.activities.models import ActivityKind
from crm.common.htmx import RECORD_CHANGED, trigger_record_changed
from invoices import services as invoice_services
from tests.invoices.factories import make_invoice
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory
from tests.quotes.factories import make_quote

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def fragment(html: str, fragment_id: str) -> str:
    """The element with `id=fragment_id` (header <div> or details <section>), as text."""
    match = re.search(rf'<(div|section) [^>]*id="{fragment_id}"', html)
    assert match, f"no #{fragment_id} on the page"
    tag = match.group(1)
    depth, pos = 0, match.start()
    for m in re.finditer(rf"<{tag}[\s>]|</{tag}>", html[pos:]):
        depth += -1 if m.group().startswith("</") else 1
        if depth == 0:
            return html[pos:pos + m.end()]
    raise AssertionError(f"#{fragment_id} is not closed")


def assert_listens(html: str, fragment_id: str, url: str, also: str = "") -> None:
    """The fragment re-fetches itself (and the `also` fragments, out of band) on the event."""
    part = fragment(html, fragment_id)
    head = part[:part.index(">")]
    assert f'hx-get="{url}"' in head
    assert 'hx-trigger="record-changed from:body"' in head
    assert f'hx-select="#{fragment_id}"' in head and 'hx-swap="outerHTML"' in head
    if also:
        oob = re.search(r'hx-select-oob="([^"]*)"', head)
        assert oob and f"#{also}" in oob.group(1).split(",")
        fragment(html, also)  # present, or htmx reports a missing out-of-band target
    else:
        assert "hx-select-oob" not in head


def triggers(response) -> bool:
    header = response.headers.get("HX-Trigger", "")
    return RECORD_CHANGED in (json.loads(header) if header.startswith("{") else
                              [h.strip() for h in header.split(",")])


def test_trigger_keeps_events_already_on_the_response():
    assert trigger_record_changed(HttpResponse())["HX-Trigger"] == "record-changed"
    response = HttpResponse()
    response["HX-Trigger"] = "opportunity-moved"
    assert json.loads(trigger_record_changed(response)["HX-Trigger"]) == {
        "opportunity-moved": None, "record-changed": None}
    response = HttpResponse()
    response["HX-Trigger"] = json.dumps({"toast": "Saved"})
    assert json.loads(trigger_record_changed(response)["HX-Trigger"]) == {
        "toast": "Saved", "record-changed": None}


def test_logging_a_call_on_a_new_lead_refreshes_its_status_and_last_activity(
        org, web, django_capture_on_commit_callbacks):
    lead = LeadFactory(owner=org.sam)
    client = web(org.sam)
    url = lead.get_absolute_url()
    page = client.get(url).content.decode()
    assert_listens(page, "record-header", url, also="record-details")
    assert "New" in fragment(page, "record-header")
    assert re.search(r"<dt>Last activity</dt><dd>\s*—", fragment(page, "record-details"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("activity-quick-add", args=["lead", lead.pk, "phone_call"]),
            {"qa-phone_call-subject": "First call", "qa-phone_call-direction": "outgoing",
             "qa-phone_call-done": "on"}, **HTMX)
    assert response.status_code == 200 and triggers(response)
    assert "First call" in response.content.decode()

    # What the header fragment fetches when it hears the event.
    page = client.get(url, **HTMX).content.decode()
    header = fragment(page, "record-header")
    assert "Contacted" in header and ">New<" not in header
    assert not re.search(r"<dt>Last activity</dt><dd>\s*—", fragment(page, "record-details"))


def test_completing_an_activity_from_the_timeline_triggers_the_refresh(org, web):
    lead = LeadFactory(owner=org.sam)
    call = activity_services.activity_create(actor=org.sam, kind=ActivityKind.PHONE_CALL,
                                             regarding=lead, subject="Call back")
    response = web(org.sam).post(reverse("activity-complete", args=[call.pk]),
                                 {"from": "timeline"}, **HTMX)
    assert response.status_code == 200 and triggers(response)


def test_a_quick_add_with_errors_does_not_trigger(org, web):
    lead = LeadFactory(owner=org.sam)
    response = web(org.sam).post(
        reverse("activity-quick-add", args=["lead", lead.pk, "appointment"]),
        {"qa-appointment-subject": ""}, **HTMX)
    assert response.status_code == 200 and not triggers(response)


def test_an_activity_on_an_opportunity_refreshes_its_details(org, web):
    opportunity = OpportunityFactory(owner=org.sam)
    client = web(org.sam)
    url = opportunity.get_absolute_url()
    page = client.get(url).content.decode()
    assert_listens(page, "record-header", url, also="record-details")
    response = client.post(
        reverse("activity-quick-add", args=["opportunity", opportunity.pk, "note"]),
        {"qa-note-description": "Budget confirmed"}, **HTMX)
    assert triggers(response)
    details = fragment(client.get(url, **HTMX).content.decode(), "record-details")
    assert not re.search(r"<dt>Last activity</dt><dd>\s*—", details)


def test_quote_line_add_edit_remove_refresh_the_header_total(org, web):
    quote = make_quote(owner=org.sam)
    client = web(org.sam)
    url = quote.get_absolute_url()
    page = client.get(url).content.decode()
    assert_listens(page, "record-header", url, also="record-details")
    assert "0.00 USD" in fragment(page, "record-header")

    response = client.post(reverse("quote-line-add", args=[quote.pk]), {
        "write_in_name": "Support", "quantity": "2", "unit_price": "50.00", "tax_rate": "10",
    }, **HTMX)
    assert triggers(response)
    assert "110.00 USD" in fragment(client.get(url, **HTMX).content.decode(), "record-header")

    line = quote.lines.get()
    response = client.post(reverse("quote-line-edit", args=[quote.pk, line.pk]), {
        "write_in_name": "Support", "quantity": "3", "unit_price": "50.00",
        "manual_discount": "0", "tax_rate": "0"}, **HTMX)
    assert triggers(response)
    assert "150.00 USD" in fragment(client.get(url, **HTMX).content.decode(), "record-header")

    response = client.post(reverse("quote-line-delete", args=[quote.pk, line.pk]), **HTMX)
    assert triggers(response)
    header = fragment(client.get(url, **HTMX).content.decode(), "record-header")
    assert "150.00" not in header and "0.00 USD" in header


def test_an_invalid_quote_line_does_not_trigger(org, web):
    quote = make_quote(owner=org.sam)
    response = web(org.sam).post(reverse("quote-line-add", args=[quote.pk]), {
        "write_in_name": "Support", "quantity": "1", "unit_price": "50.00",
        "manual_discount": "70.00"}, **HTMX)
    assert not triggers(response)


def test_opportunity_steps_trigger_the_refresh(org, web):
    opportunity = OpportunityFactory(owner=org.sam)
    response = web(org.sam).post(reverse("opportunity-steps", args=[opportunity.pk]), {},
                                 **HTMX)
    assert response.status_code == 200 and triggers(response)


def test_invoice_and_order_pages_refresh_their_header_and_show_the_balance(org, web):
    invoice = make_invoice(owner=org.sam)
    client = web(org.sam)
    url = invoice.get_absolute_url()
    page = client.get(url).content.decode()
    assert_listens(page, "record-header", url, also="record-details")
    order_url = invoice.order.get_absolute_url()
    assert_listens(client.get(order_url).content.decode(), "record-header", order_url)

    invoice_services.invoice_record_payment(invoice=invoice, amount=Decimal("10.00"),
                                            actor=org.sam, date=timezone.localdate())
    header = fragment(client.get(url, **HTMX).content.decode(), "record-header")
    assert "partially paid" in header
