"""Quote pages: list, detail and the htmx line editor, forms, actions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from quotes.models import Quote

from .factories import (
    OpportunityFactory,
    OpportunityLineFactory,
    add_lines,
    make_active_quote,
    make_quote,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_list_page_shows_quotes_and_filters_by_status(web, org):
    active = make_active_quote(owner=org.sam)
    draft = make_quote(owner=org.sam, name="Draft offer")
    client = web(org.sam)

    page = client.get(reverse("quote-list")).content.decode()
    assert active.number in page and "Draft offer" in page

    page = client.get(reverse("quote-list") + "?status=active").content.decode()
    assert active.number in page and draft.number not in page


def test_list_page_expiring_soon_filter(web, org):
    import datetime

    from django.utils import timezone

    soon = make_active_quote(owner=org.sam,
                             valid_until=timezone.localdate() + datetime.timedelta(days=3))
    later = make_active_quote(owner=org.sam,
                              valid_until=timezone.localdate() + datetime.timedelta(days=40))
    page = web(org.sam).get(reverse("quote-list") + "?expiring=on").content.decode()
    assert soon.number in page and later.number not in page


def test_list_page_empty_state(web, org):
    page = web(org.sam).get(reverse("quote-list")).content.decode()
    assert "No quotes yet." in page


def test_list_page_query_count(web, org, django_assert_max_num_queries):
    for _ in range(30):
        make_quote(owner=org.sam)
    client = web(org.sam)
    client.get(reverse("quote-list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("quote-list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-label="Number"') == 25


def test_detail_page_of_a_sixty_line_quote_query_count(web, org, django_assert_max_num_queries):
    quote = add_lines(make_quote(owner=org.sam), 60)
    client = web(org.sam)
    client.get(quote.get_absolute_url())
    with django_assert_max_num_queries(25):
        response = client.get(quote.get_absolute_url())
    page = response.content.decode()
    assert "Item 060" in page and "Add a line" in page


def test_strangers_get_404_and_teammates_a_read_only_page(web, org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    assert web(org.olga).get(quote.get_absolute_url()).status_code == 404
    page = web(org.sofia).get(quote.get_absolute_url()).content.decode()
    assert "Add a line" not in page and "You can view this quote but not change it." in page
    response = web(org.sofia).post(reverse("quote-activate", args=[quote.pk]))
    assert response.status_code == 403


def test_adding_a_line_with_htmx_returns_the_editor_with_new_totals(web, org):
    quote = make_quote(owner=org.sam)
    response = web(org.sam).post(reverse("quote-line-add", args=[quote.pk]), {
        "write_in_name": "Support", "quantity": "2", "unit_price": "50.00", "tax_rate": "10",
    }, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="quote-lines">')
    assert "Support" in html and "110.00 USD" in html
    assert Quote.objects.get(pk=quote.pk).total == Decimal("110.00")


def test_an_invalid_line_keeps_what_was_typed_and_shows_the_error(web, org):
    quote = make_quote(owner=org.sam)
    response = web(org.sam).post(reverse("quote-line-add", args=[quote.pk]), {
        "write_in_name": "Support", "quantity": "1", "unit_price": "50.00",
        "manual_discount": "70.00",
    }, **HTMX)
    html = response.content.decode()
    assert "is more than the line amount" in html
    assert 'value="Support"' in html
    assert not quote.lines.exists()


def test_editing_and_removing_a_line_with_htmx(web, org):
    quote = make_quote(owner=org.sam, lines=[("Support", "1", "50.00", "0"),
                                             ("Travel", "1", "20.00", "0")])
    line = quote.lines.first()
    client = web(org.sam)
    form = client.get(reverse("quote-line-edit", args=[quote.pk, line.pk]), **HTMX)
    assert "Save line" in form.content.decode()

    response = client.post(reverse("quote-line-edit", args=[quote.pk, line.pk]), {
        "write_in_name": "Premium support", "quantity": "3", "unit_price": "50.00",
        "manual_discount": "0", "tax_rate": "0"}, **HTMX)
    assert "Premium support" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).total == Decimal("170.00")

    response = client.post(reverse("quote-line-delete", args=[quote.pk, line.pk]), **HTMX)
    assert "Premium support" not in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).total == Decimal("20.00")


def test_a_plain_post_to_an_active_quote_line_is_refused_with_a_message(web, org):
    quote = make_active_quote(owner=org.sam)
    response = web(org.sam).post(reverse("quote-line-add", args=[quote.pk]), {
        "write_in_name": "X", "quantity": "1", "unit_price": "1.00"}, follow=True)
    assert "only draft quotes can be edited" in response.content.decode()
    assert quote.lines.count() == 1


def test_create_from_opportunity_page(web, org):
    opportunity = OpportunityFactory(owner=org.sam)
    OpportunityLineFactory(opportunity=opportunity, write_in_name="Design",
                           unit_price=Decimal("300.00"))
    client = web(org.sam)
    url = reverse("quote-create-from-opportunity", args=[opportunity.pk])
    page = client.get(url).content.decode()
    assert opportunity.topic in page and "1 product line" in page

    response = client.post(url, {"name": "Design offer", "valid_until": "2030-01-31",
                                 "payment_terms": "net_45"}, follow=True)
    quote = Quote.objects.get(opportunity=opportunity)
    assert response.redirect_chain[-1][0] == quote.get_absolute_url()
    assert (quote.name, str(quote.valid_until), quote.payment_terms) == (
        "Design offer", "2030-01-31", "net_45")
    assert "Design" in response.content.decode()


def test_opportunity_of_another_team_cannot_be_quoted(web, org):
    opportunity = OpportunityFactory(owner=org.olga)
    url = reverse("quote-create-from-opportunity", args=[opportunity.pk])
    assert web(org.sam).get(url).status_code == 404


def test_new_quote_form_keeps_input_on_error_and_creates(web, org):
    from tests.factories import AccountFactory

    client = web(org.sam)
    response = client.post(reverse("quote-create"), {"name": "Typed name",
                                                     "payment_terms": "net_30"})
    assert response.status_code == 400
    assert 'value="Typed name"' in response.content.decode()
    account = AccountFactory(owner=org.sam)
    response = client.post(reverse("quote-create"), {
        "name": "Typed name", "account": account.pk, "payment_terms": "net_30",
        "discount_percent": "0", "discount_amount": "0", "freight_amount": "0"})
    quote = Quote.objects.get(name="Typed name")
    assert response.status_code == 302 and quote.account == account


def test_edit_header_of_a_draft(web, org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "100.00", "0")])
    client = web(org.sam)
    form = client.get(reverse("quote-update", args=[quote.pk]))
    assert form.status_code == 200
    data = {"name": quote.name, "account": quote.account_id, "contact": quote.contact_id,
            "price_list": quote.price_list_id, "payment_terms": "net_60",
            "discount_percent": "10", "discount_amount": "0", "freight_amount": "5.00"}
    response = client.post(reverse("quote-update", args=[quote.pk]), data)
    assert response.status_code == 302
    quote = Quote.objects.get(pk=quote.pk)
    assert (quote.payment_terms, quote.total) == ("net_60", Decimal("95.00"))


def test_actions_activate_revise_close_with_messages(web, org):
    quote = make_quote(owner=org.sam, lines=[("Item", "1", "10.00", "0")])
    client = web(org.sam)

    page = client.post(reverse("quote-activate", args=[quote.pk]), follow=True)
    assert "is active" in page.content.decode()
    page = client.post(reverse("quote-activate", args=[quote.pk]), follow=True)
    assert "Cannot activate" in page.content.decode()

    page = client.post(reverse("quote-revise", args=[quote.pk]), follow=True)
    new = Quote.objects.get(number=quote.number, revision=1)
    assert page.redirect_chain[-1][0] == new.get_absolute_url()
    html = page.content.decode()
    assert "Revision 1 of " + quote.number in html
    assert quote.get_absolute_url() in html  # link to the earlier revision

    client.post(reverse("quote-activate", args=[new.pk]))
    close_form = client.get(reverse("quote-close", args=[new.pk]))
    assert "Reason" in close_form.content.decode()
    client.post(reverse("quote-close", args=[new.pk]), {"reason": "canceled"})
    new = Quote.objects.get(pk=new.pk)
    assert (new.status, new.status_reason) == ("closed", "canceled")


def test_pdf_button_serves_a_pdf_for_active_quotes_only(web, org):
    active = make_active_quote(owner=org.sam)
    client = web(org.sam)
    assert reverse("quote-pdf", args=[active.pk]) in client.get(
        active.get_absolute_url()).content.decode()
    response = client.get(reverse("quote-pdf", args=[active.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    draft = make_quote(owner=org.sam)
    response = client.get(reverse("quote-pdf", args=[draft.pk]), follow=True)
    assert "drafts have no PDF" in response.content.decode()


def test_opportunity_panel_lists_quotes_with_a_create_button(org, rf):
    from quotes.panels import opportunity_quotes_panel

    opportunity = OpportunityFactory(owner=org.sam)
    quote = make_quote(owner=org.sam, opportunity=opportunity)
    request = rf.get("/")
    request.user = org.sam
    ctx = opportunity_quotes_panel(request, opportunity)
    assert ctx["quotes"] == [quote] and ctx["can_quote"]


def test_admin_edits_drafts_through_the_service_and_cannot_change_active_quotes(web, org):
    draft = make_quote(owner=org.sam, lines=[("Item", "1", "100.00", "0")])
    active = make_active_quote(owner=org.sam)
    client = web(org.admin)
    url = reverse("admin:quotes_quote_change", args=[draft.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "name": draft.name, "valid_until": "2031-01-01", "payment_terms": "net_30",
        "description": "", "discount_percent": "0", "discount_amount": "0",
        "freight_amount": "7.00", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": draft.lines.get().pk, "lines-0-quote": draft.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Quote.objects.get(pk=draft.pk).total == Decimal("107.00")

    url = reverse("admin:quotes_quote_change", args=[active.pk])
    page = client.get(url).content.decode()
    assert "Save" not in page or 'name="_save"' not in page
    response = client.post(url, {"name": "Changed", "freight_amount": "99"})
    assert response.status_code == 403
    assert Quote.objects.get(pk=active.pk).name != "Changed"


def test_account_page_lists_its_quotes(web, org):
    from tests.panels import get_with_panels

    quote = make_active_quote(owner=org.sam)
    page = get_with_panels(web(org.sam), quote.account.get_absolute_url())
    assert 'id="account-quotes"' in page and quote.number in page


def test_global_search_finds_a_quote_by_number(web, org):
    quote = make_quote(owner=org.sam, name="Tablet rollout")
    page = web(org.sam).get(reverse("search") + f"?q={quote.number}").content.decode()
    assert "Tablet rollout" in page
    assert "Tablet rollout" not in web(org.olga).get(
        reverse("search") + f"?q={quote.number}").content.decode()


def test_adding_a_line_to_a_sixty_line_quote_query_count(web, org, django_assert_max_num_queries):
    quote = add_lines(make_quote(owner=org.sam), 60)
    client = web(org.sam)
    client.get(reverse("quote-list"))
    with django_assert_max_num_queries(30):
        response = client.post(reverse("quote-line-add", args=[quote.pk]), {
            "write_in_name": "Extra", "quantity": "1", "unit_price": "5.00", "tax_rate": "0"},
            **HTMX)
    assert "Item 060" in response.content.decode() and "Extra" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).detail_amount == Decimal("605.00")


def test_the_edit_form_refuses_an_active_quote(web, org):
    quote = make_active_quote(owner=org.sam)
    client = web(org.sam)
    response = client.get(reverse("quote-update", args=[quote.pk]), follow=True)
    assert "Only draft quotes can be edited" in response.content.decode()
    response = client.post(reverse("quote-update", args=[quote.pk]), {
        "name": "Changed", "account": quote.account_id, "payment_terms": "net_30",
        "discount_percent": "0", "discount_amount": "0", "freight_amount": "50"})
    assert response.status_code == 400
    assert "only draft quotes can be edited" in response.content.decode()
    assert Quote.objects.get(pk=quote.pk).name != "Changed"
    line = quote.lines.get()
    response = client.post(reverse("quote-line-edit", args=[quote.pk, line.pk]), {
        "write_in_name": "X", "quantity": "9", "unit_price": "1", "tax_rate": "0"}, **HTMX)
    assert "only draft quotes can be edited" in response.content.decode()
    assert quote.lines.get().quantity == line.quantity
