"""The "My assistant" page, the home panel, the record strip, the badge, dismiss and snooze."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from crm.assistant import engine
from crm.assistant.models import Card, CardState
from crm.common.formatting import format_when
from tests.panels import get_with_panels

from .conftest import NOW
from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def uncontacted(owner, **kwargs):
    return LeadFactory(owner=owner, created_at=NOW - timedelta(hours=50), **kwargs)


@pytest.fixture
def sams_card(clock, org):
    lead = uncontacted(org.sam, company="Fabrikam")
    engine.scan()
    return Card.objects.get(record_id=lead.pk)


def test_my_assistant_lists_my_cards_most_urgent_first(web, org, clock,
                                                       django_assert_max_num_queries):
    for _ in range(35):
        uncontacted(org.sam)
    LeadFactory(owner=org.sam, status="contacted", created_at=NOW - timedelta(days=20))
    uncontacted(org.tom, company="Not for Sam")
    engine.scan()

    client = web(org.sam)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assistant-cards"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="assistant-card ') == 25  # one page
    assert html.count(">New lead not contacted: ") == 25  # high priority before the normal one
    assert "No activity on lead" not in html
    assert "Not for Sam" not in html
    assert 'rel="next"' in html


def test_the_page_filters_by_kind_and_shows_dismissed_cards_on_request(web, org, sams_card):
    client = web(org.sam)
    sams_card.state = CardState.DISMISSED
    sams_card.save()

    assert "Nothing needs you right now" in client.get(reverse("assistant-cards")).content.decode()
    html = client.get(reverse("assistant-cards"), {"show": "dismissed"}).content.decode()
    assert sams_card.title in html and ">dismissed<" in html
    html = client.get(reverse("assistant-cards"),
                      {"show": "all", "kind": "task_overdue"}).content.decode()
    assert "No cards match these filters" in html


def test_dismissing_with_htmx_removes_the_card_and_updates_the_badge(web, org, sams_card):
    client = web(org.sam)
    response = client.post(reverse("assistant-card-dismiss", args=[sams_card.pk]),
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response.content == b""
    assert response["HX-Trigger"] == "assistant-changed"
    sams_card.refresh_from_db()
    assert sams_card.state == CardState.DISMISSED
    badge = client.get(reverse("assistant-badge")).content.decode()
    assert 'class="badge"' not in badge


def test_dismissing_without_javascript_redirects_back_with_a_message(web, org, sams_card):
    client = web(org.sam)
    response = client.post(reverse("assistant-card-dismiss", args=[sams_card.pk]),
                           {"next": "/assistant/?kind=lead_not_contacted"}, follow=True)

    assert response.redirect_chain[-1][0] == "/assistant/?kind=lead_not_contacted"
    assert f"Card dismissed: {sams_card.title}" in response.content.decode()


def test_snoozing_defaults_to_an_hour_for_a_high_priority_card(web, org, sams_card, clock):
    client = web(org.sam)
    client.post(reverse("assistant-card-snooze", args=[sams_card.pk]), HTTP_HX_REQUEST="true")

    sams_card.refresh_from_db()
    assert (sams_card.state, sams_card.snoozed_until) == (CardState.SNOOZED,
                                                          NOW + timedelta(hours=1))


def test_snoozing_until_a_chosen_time(web, org, sams_card):
    client = web(org.sam)
    response = client.post(reverse("assistant-card-snooze", args=[sams_card.pk]),
                           {"until": "2026-12-03T09:30"}, follow=True)

    sams_card.refresh_from_db()
    assert sams_card.snoozed_until.isoformat() == "2026-12-03T09:30:00+00:00"
    # the flash reads like every date (crm.common.formatting): relative when near
    assert f"Snoozed until {format_when(sams_card.snoozed_until)}" in response.content.decode()


def test_snoozing_into_the_past_is_refused_on_the_card(web, org, sams_card):
    client = web(org.sam)
    response = client.post(reverse("assistant-card-snooze", args=[sams_card.pk]),
                           {"until": "2026-11-29T09:30"}, HTTP_HX_REQUEST="true")

    assert "Choose a time in the future." in response.content.decode()
    sams_card.refresh_from_db()
    assert sams_card.state == CardState.ACTIVE


def test_someone_elses_card_does_not_exist_for_me(web, org, sams_card):
    client = web(org.maria)  # Sam's manager: reads Sam's lead, but the card is Sam's

    assert client.post(reverse("assistant-card-dismiss", args=[sams_card.pk])).status_code == 404
    sams_card.refresh_from_db()
    assert sams_card.state == CardState.ACTIVE


def test_the_navigation_badge_loads_my_card_count_after_the_page(web, org, sams_card,
                                                                 django_assert_max_num_queries):
    client = web(org.sam)
    html = client.get(reverse("assistant-cards")).content.decode()
    assert 'id="assistant-badge"' in html and 'hx-trigger="load, assistant-changed' in html

    with django_assert_max_num_queries(3):  # (session: from the cache), user, count
        badge = client.get(reverse("assistant-badge")).content.decode()
    assert '<span class="badge" aria-label="1 card">1</span>' in badge
    assert 'hx-trigger="assistant-changed from:body"' in badge  # no reload loop


def test_the_home_panel_shows_the_top_cards_and_a_show_more_button(org, clock):
    for _ in range(7):
        uncontacted(org.sam)
    engine.scan()
    request = RequestFactory().get("/")
    request.user = org.sam

    html = render_to_string("assistant/_home_panel.html", {}, request=request)
    assert html.count('class="assistant-card ') == 5
    assert "Show more" in html and "/assistant/panel/?limit=15" in html


def test_the_home_panel_says_when_there_is_nothing_to_do(web, org):
    response = web(org.sam).get(reverse("assistant-panel"))

    assert "Nothing needs you right now." in response.content.decode()


def test_show_more_returns_a_longer_panel(web, org, clock):
    for _ in range(7):
        uncontacted(org.sam)
    engine.scan()

    html = web(org.sam).get(reverse("assistant-panel"), {"limit": 15}).content.decode()
    assert html.count('class="assistant-card ') == 7
    assert "Show more" not in html


def test_every_record_page_gets_the_strip_of_my_cards_about_that_record(org, sams_card, web):
    """Registered for "*": the lead page loads it after the first paint (a record panel)."""
    from leads.models import Lead

    lead = Lead.objects.get(pk=sams_card.record_id)
    html = get_with_panels(web(org.sam), f"/leads/{lead.pk}/")
    assert f'id="assistant-card-{sams_card.pk}"' in html
    assert "Assistant cards about this record" in html

    # Maria reads the lead, but the card is Sam's
    html = get_with_panels(web(org.maria), f"/leads/{lead.pk}/")
    assert f'id="assistant-card-{sams_card.pk}"' not in html
    assert "Assistant cards about this record" not in html
