"""Issue 16 item 6: no stored code is shown where a label exists (stage chips read "2. Develop",
not "2-develop"; statuses and reasons read "Lost · Out-sold", not "out_sold")."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import AccountFactory
from tests.quotes.factories import OpportunityFactory, make_active_quote

pytestmark = pytest.mark.django_db

CODES = re.compile(
    r"\b[1-4]-(qualify|develop|propose|close)\b|\b(in_progress|on_hold|out_sold|must_have|"
    r"this_quarter|trade_show|net_30|best_case|pipeline|committed|omitted)\b"
)


def visible_text(page: str) -> str:
    """What a person reads: text outside tags, scripts and styles (attributes are not shown)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(re.sub(r"\s+", " ", page))


@pytest.fixture
def deals(org):
    account = AccountFactory(name="Zephyr Analytics", owner=org.sam)
    common = {"owner": org.sam, "account": account, "estimated_revenue": Decimal("1000.00"),
              "need": "must_have", "purchase_timeframe": "this_quarter",
              "source": "trade_show"}
    return {
        "develop": OpportunityFactory(topic="Develop deal", stage="develop", **common),
        "hold": OpportunityFactory(topic="Held deal", stage="qualify",
                                   status_reason="on_hold", **common),
        "won": OpportunityFactory(topic="Won deal", stage="propose", status="won",
                                  status_reason="won", actual_revenue=Decimal("900.00"),
                                  actual_close_date=datetime.date(2026, 5, 1), **common),
        "lost": OpportunityFactory(topic="Lost deal", stage="close", status="lost",
                                   status_reason="out_sold",
                                   actual_close_date=datetime.date(2026, 5, 2), **common),
    }


def _read(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    text = visible_text(response.content.decode())
    shown = CODES.search(text)
    assert shown is None, f"{url} shows the stored code {shown.group(0)!r}"
    return text


def test_opportunity_list_shows_stage_and_status_labels(web, org, deals):
    text = _read(web(org.sam), reverse("opportunity-list"))
    assert "2. Develop" in text and "1. Qualify" in text
    assert "3. Propose" in text and "4. Close" in text
    assert "Won" in text and "Lost" in text and "Open" in text


def test_opportunity_board_shows_stage_labels(web, org, deals):
    text = _read(web(org.sam), reverse("opportunity-board"))
    lane = _read(web(org.sam), reverse("opportunity-board-lane", args=["develop"]))
    assert "2. Develop" in text and "Develop deal" in lane


def test_opportunity_detail_pages_show_labels(web, org, deals):
    client = web(org.sam)
    text = _read(client, deals["develop"].get_absolute_url())
    assert "2. Develop" in text and "Open · In progress" in text
    assert "Trade show" in text  # source label
    text = _read(client, deals["hold"].get_absolute_url())
    assert "Open · On hold" in text
    text = _read(client, deals["won"].get_absolute_url())
    assert "3. Propose" in text and "Won" in text
    text = _read(client, deals["lost"].get_absolute_url())
    assert "4. Close" in text and "Lost · Out-sold" in text


def test_close_page_and_account_page_show_labels(web, org, deals):
    client = web(org.sam)
    text = _read(client, reverse("opportunity-win", args=[deals["develop"].pk]))
    assert "2. Develop" in text
    _read(client, deals["develop"].account.get_absolute_url())


def test_quote_pages_show_status_and_terms_labels(web, org):
    quote = make_active_quote(owner=org.sam, payment_terms="net_30")
    client = web(org.sam)
    assert "Active" in _read(client, quote.get_absolute_url())
    assert "Active" in _read(client, reverse("quote-list"))


@pytest.mark.parametrize("record_type, action, before, after, title", [
    ("lead", "contacted", "new", "contacted", "Marked contacted: New → Contacted"),
    ("lead", "disqualified", "", "disqualified", "Disqualified: Disqualified"),
    ("opportunity", "stage_advanced", "develop", "propose", "Stage advanced: Develop → Propose"),
    ("opportunity", "put_on_hold", "in_progress", "on_hold", "Put on hold: In progress → On hold"),
    ("quote", "closed", "active", "closed", "Closed: Active → Closed"),
    ("nothing", "moved", "some_state", "other_state", "Moved: some state → other state"),
])
def test_timeline_event_titles_show_state_labels(record_type, action, before, after, title):
    from crm.activities.models import Event

    event = Event(record_type=record_type, record_id=1, action=action, from_state=before,
                  to_state=after)
    assert event.title == title


def test_timeline_of_an_opportunity_moved_a_stage_reads_labels(
        org, web, django_capture_on_commit_callbacks):
    from opportunities import services

    opportunity = OpportunityFactory(owner=org.sam, stage="develop",
                                     customer_need="Scan cards")
    with django_capture_on_commit_callbacks(execute=True):  # the timeline roll-up task
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    response = web(org.sam).get(reverse("timeline", args=["opportunity", opportunity.pk]))
    text = visible_text(response.content.decode())
    assert "Develop → Propose" in text and "develop → propose" not in text
