"""The lead state machine (PROCESS.md "Lead"): allowed and refused transitions."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.activities.event_types import EventType
from crm.activities.models import Event
from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from leads import services
from leads.models import Lead, LeadStatus

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def events(lead):
    return list(Event.objects.filter(record_type="lead", record_id=lead.pk)
                .order_by("id").values_list("action", flat=True))


def test_create_starts_new_and_records_an_event(org):
    lead = services.lead_create(actor=org.sam, topic="50 seats", last_name="Murphy",
                                email="R.Murphy@Contoso.example", business_phone="+1 (555) 010-200")
    assert lead.status == LeadStatus.NEW
    assert lead.owner == org.sam
    assert lead.email_key == "r.murphy@contoso.example"
    assert lead.phone_key == "1555010200"
    assert events(lead) == ["created"]


@pytest.mark.parametrize("fields, error_field", [
    ({"topic": "", "last_name": "Murphy"}, "topic"),
    ({"topic": "Seats", "last_name": "", "company": ""}, "last_name"),
    ({"topic": "Seats", "last_name": "M", "estimated_value": Decimal("-1")}, "estimated_value"),
])
def test_create_is_refused_without_the_required_fields(org, fields, error_field):
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=org.sam, **fields)
    assert error_field in exc.value.message_dict
    assert not Lead.objects.exists()


def test_a_company_alone_is_enough_for_a_lead(org):
    lead = services.lead_create(actor=org.sam, topic="Seats", company="Contoso")
    assert lead.display_name == "Contoso"


def test_a_seller_cannot_create_a_lead_for_someone_else(org):
    with pytest.raises(PermissionDenied):
        services.lead_create(actor=org.sam, owner=org.sofia, topic="x", last_name="y")


def test_mark_contacted_moves_new_to_contacted_once(org):
    lead = LeadFactory(owner=org.sam)
    lead = services.lead_mark_contacted(lead=lead, actor=org.sam)
    assert lead.status == LeadStatus.CONTACTED
    with pytest.raises(TransitionNotAllowed) as exc:
        services.lead_mark_contacted(lead=lead, actor=org.sam)
    assert set(exc.value.extra["allowed"]) == {"qualify", "disqualify"}


@pytest.mark.parametrize("start", ["new", "contacted"])
def test_disqualify_closes_an_open_lead_with_the_reason(org, start):
    lead = LeadFactory(owner=org.sam)
    if start == "contacted":
        lead = services.lead_mark_contacted(lead=lead, actor=org.sam)
    lead = services.lead_disqualify(lead=lead, actor=org.sam, reason="cannot_contact")
    assert (lead.status, lead.status_reason) == ("disqualified", "cannot_contact")
    assert events(lead)[-1] == EventType.DISQUALIFIED


def test_disqualify_needs_a_known_reason(org):
    lead = LeadFactory(owner=org.sam)
    with pytest.raises(BusinessRuleViolation):
        services.lead_disqualify(lead=lead, actor=org.sam, reason="bored")


def test_disqualify_is_refused_when_the_lead_has_an_opportunity(org):
    lead = LeadFactory(owner=org.sam)
    services.lead_mark_qualified(lead=lead, actor=org.sam, opportunity_id=4242)
    lead = services.lead_reactivate(lead=lead, actor=org.sam)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.lead_disqualify(lead=lead, actor=org.sam, reason="lost")
    assert exc.value.reason == RefusalReason.LEAD_HAS_OPPORTUNITY


def test_disqualified_and_qualified_leads_cannot_be_qualified_again_until_reactivated(org):
    lead = LeadFactory(owner=org.sam)
    lead = services.lead_disqualify(lead=lead, actor=org.sam, reason="lost")
    with pytest.raises(TransitionNotAllowed):
        services.lead_mark_qualified(lead=lead, actor=org.sam)
    with pytest.raises(TransitionNotAllowed):
        services.lead_mark_contacted(lead=lead, actor=org.sam)
    lead = services.lead_reactivate(lead=lead, actor=org.sam)
    assert (lead.status, lead.status_reason) == ("new", "")
    lead = services.lead_mark_qualified(lead=lead, actor=org.sam, opportunity_id=7)
    assert lead.status == "qualified"
    assert lead.qualifying_opportunity_id == 7


def test_reactivate_is_refused_for_an_open_lead(org):
    lead = LeadFactory(owner=org.sam)
    with pytest.raises(TransitionNotAllowed):
        services.lead_reactivate(lead=lead, actor=org.sam)


def test_reactivating_keeps_the_earlier_opportunity_link(org):
    lead = LeadFactory(owner=org.sam)
    services.lead_mark_qualified(lead=lead, actor=org.sam, opportunity_id=99)
    lead = services.lead_reactivate(lead=lead, actor=org.sam)
    assert lead.qualifying_opportunity_id == 99


def test_only_open_leads_are_editable(org):
    lead = LeadFactory(owner=org.sam)
    lead = services.lead_update(lead=lead, actor=org.sam, topic="Bigger deal")
    assert lead.topic == "Bigger deal"
    services.lead_disqualify(lead=lead, actor=org.sam, reason="lost")
    with pytest.raises(RecordLocked):
        services.lead_update(lead=lead, actor=org.sam, topic="Again")


def test_status_cannot_be_assigned_directly(org):
    lead = LeadFactory(owner=org.sam)
    with pytest.raises(AttributeError):
        lead.status = "qualified"


def test_a_teammate_may_read_but_not_change_a_lead(org):
    lead = LeadFactory(owner=org.sam)
    with pytest.raises(PermissionDenied):
        services.lead_mark_contacted(lead=lead, actor=org.sofia)
    # the manager may
    assert services.lead_mark_contacted(lead=lead, actor=org.maria).status == "contacted"


def test_only_managers_reassign_a_lead(org):
    lead = LeadFactory(owner=org.sam)
    with pytest.raises(PermissionDenied):
        services.lead_update(lead=lead, actor=org.sam, owner=org.sofia)
    lead = services.lead_update(lead=lead, actor=org.maria, owner=org.sofia)
    assert lead.owner == org.sofia
    assert "reassigned" in events(lead)


def test_the_first_completed_activity_marks_a_new_lead_contacted(org):
    from crm.activities.services import activity_complete, activity_create

    lead = LeadFactory(owner=org.sam)
    call = activity_create(actor=org.sam, kind="phone_call", regarding=lead, subject="Intro")
    lead.refresh_from_db()
    assert lead.status == "new"  # an open activity is not contact yet
    activity_complete(activity=call, actor=org.sam)
    lead.refresh_from_db()
    assert lead.status == "contacted"
    # a second completed activity changes nothing
    activity_create(actor=org.sam, kind="email", regarding=lead, subject="Follow-up",
                    completed=True)
    assert events(lead).count(EventType.CONTACTED) == 1


def test_merge_keeps_one_lead_fills_blanks_and_closes_the_other(org):
    keep = LeadFactory(owner=org.sam, business_phone="", job_title="")
    dup = LeadFactory(owner=org.sam, business_phone="+1 555 0100", job_title="CTO")
    keep = services.lead_merge(lead=keep, duplicate=dup, actor=org.sam)
    dup.refresh_from_db()
    assert (keep.business_phone, keep.job_title) == ("+1 555 0100", "CTO")
    assert dup.status == "disqualified" and dup.status_reason == "canceled"
    assert dup.merged_into_id == keep.pk
    assert EventType.MERGED in events(keep) and EventType.MERGED_INTO in events(dup)


def test_merge_refuses_a_lead_with_an_opportunity(org):
    keep = LeadFactory(owner=org.sam)
    dup = LeadFactory(owner=org.sam)
    services.lead_mark_qualified(lead=dup, actor=org.sam, opportunity_id=5)
    with pytest.raises(TransitionNotAllowed):
        services.lead_merge(lead=keep, duplicate=dup, actor=org.sam)
