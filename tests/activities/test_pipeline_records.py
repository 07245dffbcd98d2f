"""Activities on pipeline records: the lead rule (PROCESS.md) and rollups through the registry."""

import pytest

from crm.activities import selectors, services
from crm.activities.models import ActivityKind
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory
from tests.panels import get_with_panels

pytestmark = pytest.mark.django_db


def _entries(user, record_type, record_id):
    page = selectors.timeline_page(user=user, record_type=record_type, record_id=record_id,
                                   page_size=50)
    return [(e.kind, e.activity.subject if e.activity_id else e.event.action)
            for e in page.entries]


def test_completing_the_first_activity_on_a_new_lead_marks_it_contacted(org, on_commit):
    lead = LeadFactory(owner=org.sam)
    with on_commit():
        call = services.activity_create(actor=org.sam, kind=ActivityKind.PHONE_CALL,
                                        regarding=lead, subject="First call")
        services.activity_complete(activity=call, actor=org.sam)
    lead = type(lead).objects.get(pk=lead.pk)
    assert lead.status == "contacted"
    assert lead.open_activity_count == 0 and lead.last_activity_at is not None
    assert ("phone_call", "First call") in _entries(org.sam, "lead", lead.pk)
    assert ("event", "contacted") in _entries(org.sam, "lead", lead.pk)


def test_a_qualified_leads_activities_show_on_its_opportunity_and_account(org, on_commit):
    lead = LeadFactory(owner=org.sam)
    with on_commit():
        services.activity_create(actor=org.sam, kind=ActivityKind.NOTE, regarding=lead,
                                 description="Needs 40 seats")
    opportunity = OpportunityFactory(owner=org.sam)
    with on_commit():
        lead.qualifying_opportunity_id = opportunity.pk
        lead.save(update_fields=["qualifying_opportunity_id"])
    assert ("note", "Needs 40 seats") in _entries(org.sam, "opportunity", opportunity.pk)
    assert ("note", "Needs 40 seats") in _entries(org.sam, "account", opportunity.account_id)


def test_an_opportunity_page_has_the_timeline_panel_and_takes_quick_adds(org, web):
    from django.urls import reverse

    opportunity = OpportunityFactory(owner=org.sam)
    client = web(org.sam)
    page = get_with_panels(client, opportunity.get_absolute_url())
    assert 'id="timeline-panel"' in page
    response = client.post(
        reverse("activity-quick-add", args=["opportunity", opportunity.pk, "task"]),
        {"qa-task-subject": "Prepare the pitch", "qa-task-priority": "high"},
        HTTP_HX_REQUEST="true")
    assert "Prepare the pitch" in response.content.decode()
    opportunity = type(opportunity).objects.get(pk=opportunity.pk)
    assert opportunity.open_activity_count == 1
    assert ("task", "Prepare the pitch") in _entries(org.sam, "account", opportunity.account_id)
