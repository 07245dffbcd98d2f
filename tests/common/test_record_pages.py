"""Record pages paint first and load their panels after (crm/common/panels.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.activities.models import Event, TimelineEntry
from tests.opportunities.factories import OpportunityFactory
from tests.panels import PANEL_SLOT, with_panels

pytestmark = pytest.mark.django_db


def _fill_timeline(record_type, record, count):
    now = timezone.now()
    events = Event.objects.bulk_create(
        [Event(record_type=record_type, record_id=record.pk, action="noted", note=f"Entry {i}",
               occurred_at=now - timedelta(minutes=i), timeline_synced=True)
         for i in range(count)], batch_size=2000)
    TimelineEntry.objects.bulk_create(
        [TimelineEntry(record_type=record_type, record_id=record.pk, kind="event",
                       occurred_at=e.occurred_at, event=e, source_type=record_type,
                       source_id=record.pk, source_label=str(record),
                       source_owner_id=getattr(record, "owner_id", None))
         for e in events], batch_size=2000)


def _measure(client, url):
    """(queries of the first paint, queries of its panels, the full HTML)."""
    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as panels:
        html = with_panels(client, response)
    return len(first), len(panels), html


def test_a_timeline_of_10000_entries_costs_what_one_of_10_costs(org, web):
    short = OpportunityFactory(owner=org.sam)
    long = OpportunityFactory(owner=org.sam)
    _fill_timeline("opportunity", short, 10)
    _fill_timeline("opportunity", long, 10_000)
    client = web(org.sam)
    client.get(short.get_absolute_url())  # warm the session and the caches

    short_first, short_panels, short_html = _measure(client, short.get_absolute_url())
    long_first, long_panels, long_html = _measure(client, long.get_absolute_url())

    assert (long_first, long_panels) == (short_first, short_panels)
    assert long_html.count('class="tl-entry') == short_html.count('class="tl-entry')
    assert short_html.count('class="tl-entry') == 10


def test_the_first_paint_holds_the_record_and_defers_every_panel(org, web):
    opportunity = OpportunityFactory(owner=org.sam, topic="Fleet renewal")
    client = web(org.sam)

    page = client.get(opportunity.get_absolute_url()).content.decode()

    assert "Fleet renewal" in page and 'id="record-header"' in page
    slots = PANEL_SLOT.findall(page)
    assert any(url.endswith("/panels/timeline/") for url in slots)
    assert 'id="timeline-panel"' not in page
    assert 'id="timeline-panel"' in with_panels(client, page)


@pytest.mark.parametrize("who", ["olga", None])
def test_a_panel_of_an_unreadable_record_is_404(org, web, client, who):
    opportunity = OpportunityFactory(owner=org.sam)
    url = reverse("record-panel", args=["opportunity", opportunity.pk, "timeline"])

    response = web(org.olga).get(url) if who else client.get(url)

    assert response.status_code == 404 if who else response.status_code == 302


def test_an_unknown_panel_or_record_type_is_404(org, web):
    opportunity = OpportunityFactory(owner=org.sam)
    client = web(org.sam)

    assert client.get(reverse("record-panel", args=["opportunity", opportunity.pk,
                                                    "nope"])).status_code == 404
    assert client.get(reverse("record-panel", args=["nope", opportunity.pk,
                                                    "timeline"])).status_code == 404
