"""Every allowed and refused transition of an opportunity, table-driven (PROCESS.md)."""

import pytest

from crm.common.errors import TransitionNotAllowed
from opportunities import services
from opportunities.models import Stage

from .factories import OpportunityFactory, ready_to_advance

# (status, stage, action) -> expected (status, stage) after it, or None when refused.
TABLE = [
    ("open", "qualify", "advance", ("open", "develop")),
    ("open", "develop", "advance", ("open", "propose")),
    ("open", "propose", "advance", ("open", "close")),
    ("open", "close", "advance", None),
    ("open", "qualify", "retreat", None),
    ("open", "develop", "retreat", ("open", "qualify")),
    ("open", "propose", "retreat", ("open", "develop")),
    ("open", "close", "retreat", ("open", "propose")),
    ("open", "qualify", "win", ("won", "qualify")),
    ("open", "propose", "win", ("won", "propose")),
    ("open", "close", "win", ("won", "close")),
    ("open", "develop", "lose", ("lost", "develop")),
    ("open", "close", "lose", ("lost", "close")),
    ("open", "develop", "reopen", None),
    ("won", "close", "advance", None),
    ("won", "close", "retreat", None),
    ("won", "close", "win", None),
    ("won", "close", "lose", None),
    ("won", "close", "reopen", ("open", "close")),
    ("lost", "develop", "advance", None),
    ("lost", "develop", "retreat", None),
    ("lost", "develop", "win", None),
    ("lost", "develop", "lose", None),
    ("lost", "develop", "reopen", ("open", "develop")),
]


def _given(status, stage, owner):
    opportunity = ready_to_advance(OpportunityFactory(owner=owner, stage=stage))
    if status == "won":
        services.opportunity_win(opportunity=opportunity, actor=owner)
    elif status == "lost":
        services.opportunity_lose(opportunity=opportunity, actor=owner, reason="out_sold")
    opportunity.refresh_from_db()
    return opportunity


def _do(action, opportunity, actor):
    if action == "lose":
        return services.opportunity_lose(opportunity=opportunity, actor=actor, reason="canceled")
    return getattr(services, f"opportunity_{action}")(opportunity=opportunity, actor=actor)


@pytest.mark.parametrize(("status", "stage", "action", "expected"), TABLE,
                         ids=[f"{s}-{st}-{a}" for s, st, a, _ in TABLE])
def test_transition_table(org, status, stage, action, expected):
    # given an opportunity in that status and stage, with every gate's steps filled
    opportunity = _given(status, stage, org.sam)
    version = opportunity.version

    # when the owner tries the action
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            _do(action, opportunity, org.sam)
        # then it is refused with a reason, the allowed actions, and nothing changes
        assert refused.value.message
        assert action not in refused.value.extra["allowed"]
        opportunity.refresh_from_db()
        assert (opportunity.status, opportunity.stage, opportunity.version) == (
            status, stage, version)
    else:
        result = _do(action, opportunity, org.sam)
        # then it lands in the expected status and stage
        result.refresh_from_db()
        assert (result.status, result.stage) == expected


def test_refused_transition_lists_the_allowed_actions(org):
    opportunity = _given("won", "close", org.sam)

    with pytest.raises(TransitionNotAllowed) as refused:
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    assert refused.value.as_dict()["allowed"] == ["reopen"]
    assert refused.value.as_dict()["code"] == "transition_not_allowed"


def test_status_reason_follows_win_lose_and_reopen(org):
    opportunity = _given("open", "close", org.sam)
    assert opportunity.status_reason == "in_progress"

    services.opportunity_lose(opportunity=opportunity, actor=org.sam, reason="out_sold")
    opportunity.refresh_from_db()
    assert opportunity.status_reason == "out_sold"

    services.opportunity_reopen(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.status_reason == "in_progress"

    services.opportunity_win(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.status_reason == "won"


def test_hold_and_resume_keep_the_opportunity_open(org):
    opportunity = _given("open", "develop", org.sam)

    services.opportunity_put_on_hold(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.status_reason) == ("open", "on_hold")
    with pytest.raises(TransitionNotAllowed):
        services.opportunity_put_on_hold(opportunity=opportunity, actor=org.sam)

    services.opportunity_resume(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.status_reason == "in_progress"


def test_state_fields_cannot_be_assigned_directly(org):
    opportunity = OpportunityFactory(owner=org.sam)

    with pytest.raises(AttributeError):
        opportunity.stage = Stage.CLOSE
    with pytest.raises(AttributeError):
        opportunity.status = "won"


def test_pipeline_phase_reads_like_index_and_stage(org):
    assert OpportunityFactory(owner=org.sam, stage="develop").pipeline_phase == "2-develop"
    assert OpportunityFactory(owner=org.sam).pipeline_phase == "1-qualify"
