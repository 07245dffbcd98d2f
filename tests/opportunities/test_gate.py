"""The business process flow's gate: required steps, editable by an admin (PROCESS.md)."""

import pytest

from crm.common.codes import RefusalReason
from crm.common.errors import TransitionNotAllowed
from opportunities import services
from opportunities.models import StageStep

from .factories import OpportunityFactory


def test_advance_is_refused_listing_the_missing_required_steps(org):
    # given a new opportunity with neither account, contact nor purchase timeframe
    opportunity = OpportunityFactory(owner=org.sam, account=None)

    # when the seller advances it
    with pytest.raises(TransitionNotAllowed) as refused:
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    # then the error names the missing steps by field and label, and it stays in qualify
    assert refused.value.extra["missing"] == ["account", "purchase_timeframe"]
    assert refused.value.reason == RefusalReason.STAGE_STEPS_MISSING
    opportunity.refresh_from_db()
    assert opportunity.stage == "qualify"


def test_a_contact_satisfies_the_account_or_contact_step(org):
    from tests.factories import ContactFactory

    opportunity = OpportunityFactory(owner=org.sam, account=None,
                                     contact=ContactFactory(owner=org.sam),
                                     purchase_timeframe="immediate")

    services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_filling_the_required_step_opens_the_gate(org):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    assert refused.value.extra["missing"] == ["customer_need"]

    services.opportunity_update(opportunity=opportunity, actor=org.sam,
                                customer_need="Replace spreadsheets")
    services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    opportunity.refresh_from_db()
    assert opportunity.stage == "propose"


def test_a_required_boolean_step_must_be_true(org):
    opportunity = OpportunityFactory(owner=org.sam, stage="propose", proposal_presented=False)

    with pytest.raises(TransitionNotAllowed) as refused:
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    assert refused.value.extra["missing"] == ["proposal_presented"]


def test_an_admin_can_make_any_step_required_or_optional(org):
    # given the admin makes "stakeholders identified" required and "customer need" optional
    StageStep.objects.filter(field="stakeholders_identified").update(required=True)
    StageStep.objects.filter(field="customer_need").update(required=False)
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")

    # then the gate asks for the new required step only
    with pytest.raises(TransitionNotAllowed) as refused:
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    assert refused.value.extra["missing"] == ["stakeholders_identified"]

    services.opportunity_update(opportunity=opportunity, actor=org.sam,
                                stakeholders_identified=True)
    services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.stage == "propose"


def test_the_defaults_of_process_md_are_seeded(db):
    required = set(StageStep.objects.filter(required=True).values_list("stage", "field"))

    assert required == {
        ("qualify", "account"), ("qualify", "purchase_timeframe"),
        ("develop", "customer_need"), ("propose", "proposal_presented"),
        ("close", "decision_date"),
    }
    assert StageStep.objects.get(field="account").alternative == "contact"
    assert StageStep.objects.count() == 20


def test_retreat_has_no_gate(org):
    opportunity = OpportunityFactory(owner=org.sam, stage="propose")

    services.opportunity_retreat(opportunity=opportunity, actor=org.sam)

    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_a_move_from_a_stale_page_is_refused(org):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop", customer_need="x")

    with pytest.raises(TransitionNotAllowed) as refused:
        services.opportunity_advance(opportunity=opportunity, actor=org.sam,
                                     expected_stage="qualify")

    assert refused.value.reason == RefusalReason.STAGE_CHANGED_MEANWHILE
    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_the_admin_page_lists_the_steps_and_saves_required(org, client):
    step = StageStep.objects.get(field="competitors_identified")
    client.force_login(org.admin)

    listing = client.get("/admin/opportunities/stagestep/")
    assert listing.status_code == 200 and "Competitors identified" in listing.content.decode()
    response = client.post(f"/admin/opportunities/stagestep/{step.pk}/change/", {
        "stage": "develop", "field": "competitors_identified", "label": "Competitors known",
        "required": "on", "alternative": "", "order": "10"})

    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.required, step.label, step.type) == (True, "Competitors known", "boolean")
