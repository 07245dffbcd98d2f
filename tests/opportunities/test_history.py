"""Every stage change is recorded with who, when, from and to; events reach the timeline."""

from datetime import timedelta

from django.utils import timezone

from crm.activities.models import Event
from opportunities import services
from opportunities.models import Opportunity, StageChange, StageSetting
from tests.factories import AccountFactory

from .factories import OpportunityFactory, ready_to_advance


def test_each_move_records_who_when_from_to_and_time_in_stage(org):
    # given an opportunity created by sam that entered qualify two days ago
    opportunity = services.opportunity_create(actor=org.sam, topic="50 seats",
                                              account=AccountFactory(owner=org.sam))
    ready_to_advance(opportunity)
    Opportunity.objects.filter(pk=opportunity.pk).update(
        stage_entered_at=timezone.now() - timedelta(days=2))

    # when sam advances twice and maria retreats once
    services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    services.opportunity_retreat(opportunity=opportunity, actor=org.maria)

    # then the history holds the creation and the three moves, newest first
    rows = list(StageChange.objects.filter(opportunity=opportunity))
    assert [(r.from_stage, r.to_stage, r.actor.username) for r in rows] == [
        ("propose", "develop", "maria"),
        ("develop", "propose", "sam"),
        ("qualify", "develop", "sam"),
        ("", "qualify", "sam"),
    ]
    assert rows[2].time_in_previous_stage >= timedelta(days=2)
    assert rows[2].time_in_previous_stage < timedelta(days=2, minutes=5)


def test_transitions_write_timeline_events(org):
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))

    services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    services.opportunity_lose(opportunity=opportunity, actor=org.sam, reason="out_sold",
                              competitor="Globex", note="Price")
    services.opportunity_reopen(opportunity=opportunity, actor=org.sam)
    services.opportunity_win(opportunity=opportunity, actor=org.sam, note="Signed")

    events = list(Event.objects.filter(record_type="opportunity", record_id=opportunity.pk)
                  .order_by("id").values_list("action", "from_state", "to_state"))
    assert events == [
        ("stage_advanced", "qualify", "develop"),
        ("lost", "open", "lost"),
        ("reopened", "lost", "open"),
        ("won", "open", "won"),
    ]


def test_moving_stage_applies_the_stage_default_probability_unless_customised(org):
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam, probability=10))

    services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.probability == 30

    services.opportunity_update(opportunity=opportunity, actor=org.sam, probability=45)
    services.opportunity_advance(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.probability == 45


def test_the_stage_default_probability_is_editable(org):
    StageSetting.objects.filter(stage="develop").update(default_probability=40)
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam, probability=10))

    services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    opportunity.refresh_from_db()
    assert opportunity.probability == 40


def test_create_starts_with_the_stage_default_and_records_the_entry(org):
    opportunity = services.opportunity_create(actor=org.sam, topic="From a lead",
                                              stage="develop")

    assert (opportunity.stage, opportunity.probability, opportunity.owner) == (
        "develop", 30, org.sam)
    entry = StageChange.objects.get(opportunity=opportunity)
    assert (entry.from_stage, entry.to_stage) == ("", "develop")
    assert Event.objects.filter(record_type="opportunity", record_id=opportunity.pk,
                                action="created").exists()


def test_board_velocity_averages_the_time_spent_in_each_stage(org):
    from opportunities.selectors import opportunity_list, stage_velocity

    for days in (2, 4):
        opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))
        Opportunity.objects.filter(pk=opportunity.pk).update(
            stage_entered_at=timezone.now() - timedelta(days=days))
        services.opportunity_advance(opportunity=opportunity, actor=org.sam)

    velocity = stage_velocity(queryset=opportunity_list(user=org.sam))

    assert timedelta(days=3) <= velocity["qualify"] < timedelta(days=3, minutes=5)
    assert "develop" not in velocity
    assert stage_velocity(queryset=opportunity_list(user=org.olga)) == {}
