"""Issue 16 item 3: "Win (create order)" beside "Close…" on an active quote's page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.models import Order
from opportunities.models import Opportunity
from quotes.models import Quote

from .factories import make_active_quote, make_quote

pytestmark = pytest.mark.django_db


def _win_form(page: str) -> str:
    match = re.search(r'<form[^>]*id="quote-win".*?</form>', page, re.S)
    assert match, "no Win (create order) form on the page"
    return match.group(0)


def test_active_quote_page_offers_win_beside_close_with_a_confirmation(web, org):
    quote = make_active_quote(owner=org.sam, lines=(("Consulting", "2", "1500.00", "0"),))
    page = web(org.sam).get(quote.get_absolute_url()).content.decode()

    form = _win_form(page)
    assert f'action="{reverse("quote-create-order", args=[quote.pk])}"' in form
    assert 'method="post"' in form
    assert "Win (create order)" in form
    # the confirmation names what happens, with the formatted amount
    assert re.search(r'data-confirm="Win [^"]*order[^"]*won with 3,000\.00', form)
    # beside Close…
    assert page.index("Win (create order)") < page.index("Close…")


def test_draft_and_closed_quotes_and_readers_get_no_win_action(web, org):
    draft = make_quote(owner=org.sam, lines=(("Consulting", "1", "10.00", "0"),))
    assert 'id="quote-win"' not in web(org.sam).get(draft.get_absolute_url()).content.decode()

    active = make_active_quote(owner=org.sam)
    # olga (another region) cannot read it; maria (sam's manager) can change it
    assert web(org.olga).get(active.get_absolute_url()).status_code == 404
    assert 'id="quote-win"' in web(org.maria).get(active.get_absolute_url()).content.decode()


def test_win_creates_the_order_wins_quote_and_opportunity_with_a_message(web, org):
    quote = make_active_quote(owner=org.sam, lines=(("Consulting", "2", "1500.00", "0"),))
    client = web(org.sam)
    form = _win_form(client.get(quote.get_absolute_url()).content.decode())
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert data["win"] == "1" and data["win_opportunity"] == "on"

    response = client.post(reverse("quote-create-order", args=[quote.pk]), data, follow=True)

    order = Order.objects.get(quote=quote)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert Quote.objects.get(pk=quote.pk).status == "won"
    opportunity = Opportunity.objects.get(pk=quote.opportunity_id)
    assert opportunity.status == "won"
    assert opportunity.actual_revenue == Decimal("3000.00")
    text = response.content.decode()
    assert f"Quote {quote.display_number} won: order {order.number} created" in text
    assert "opportunity closed as won" in text


def test_win_on_a_quote_that_is_no_longer_active_is_refused_with_a_message(web, org):
    quote = make_active_quote(owner=org.sam)
    client = web(org.sam)
    url = reverse("quote-create-order", args=[quote.pk])
    client.post(url, {"win": "1", "win_opportunity_shown": "1", "win_opportunity": "on"})
    response = client.post(url, {"win": "1"}, follow=True)
    assert Order.objects.filter(quote=quote).count() == 1
    assert "Only an active quote can become an order" in response.content.decode()
