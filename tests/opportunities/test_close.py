"""Win, lose, reopen: close records, forecast category, read-only while closed, quote hook."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from opportunities import hooks, services
from opportunities.models import CloseRecord

from .factories import OpportunityFactory

WINNING = object()  # stands in for the winning quote


def test_win_defaults_actual_revenue_to_estimated_and_date_to_today(org):
    opportunity = OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("12500.00"))

    services.opportunity_win(opportunity=opportunity, actor=org.sam, note="Signed today")

    opportunity.refresh_from_db()
    assert opportunity.status == "won"
    assert opportunity.forecast_category == "won"
    assert opportunity.actual_revenue == Decimal("12500.00")
    assert opportunity.actual_close_date == timezone.localdate()
    record = CloseRecord.objects.get(opportunity=opportunity)
    assert (record.outcome, record.status_reason, record.actual_revenue, record.note) == (
        "won", "won", Decimal("12500.00"), "Signed today")


def test_win_keeps_the_given_revenue_and_date(org):
    opportunity = OpportunityFactory(owner=org.sam)

    services.opportunity_win(opportunity=opportunity, actor=org.sam,
                             actual_revenue=Decimal("900.50"), close_date=date(2026, 11, 2))

    opportunity.refresh_from_db()
    assert (opportunity.actual_revenue, opportunity.actual_close_date) == (
        Decimal("900.50"), date(2026, 11, 2))


def test_lose_records_reason_competitor_and_sets_forecast_lost(org):
    opportunity = OpportunityFactory(owner=org.sam)

    services.opportunity_lose(opportunity=opportunity, actor=org.sam, reason="out_sold",
                              competitor="Globex", note="Cheaper")

    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.status_reason, opportunity.forecast_category) == (
        "lost", "out_sold", "lost")
    record = CloseRecord.objects.get(opportunity=opportunity)
    assert (record.outcome, record.competitor, record.note) == ("lost", "Globex", "Cheaper")


def test_lose_needs_a_known_reason(org):
    opportunity = OpportunityFactory(owner=org.sam)

    with pytest.raises(BusinessRuleViolation) as refused:
        services.opportunity_lose(opportunity=opportunity, actor=org.sam, reason="won")

    assert "reason" in refused.value.extra["fields"]


def test_closed_opportunities_are_read_only_until_reopened(org):
    opportunity = OpportunityFactory(owner=org.sam)
    services.opportunity_win(opportunity=opportunity, actor=org.sam)

    with pytest.raises(RecordLocked):
        services.opportunity_update(opportunity=opportunity, actor=org.sam, topic="Changed")
    with pytest.raises(RecordLocked):
        services.opportunity_line_add(opportunity=opportunity, actor=org.sam,
                                      write_in_name="Extra", unit_price="10")

    services.opportunity_reopen(opportunity=opportunity, actor=org.sam)
    services.opportunity_update(opportunity=opportunity, actor=org.sam, topic="Changed")
    opportunity.refresh_from_db()
    assert opportunity.topic == "Changed"


def test_reopen_returns_to_pipeline_and_keeps_the_close_record(org):
    opportunity = OpportunityFactory(owner=org.sam, stage="close")
    services.opportunity_lose(opportunity=opportunity, actor=org.sam, reason="canceled")

    services.opportunity_reopen(opportunity=opportunity, actor=org.sam)

    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.forecast_category, opportunity.stage) == (
        "open", "pipeline", "close")
    assert opportunity.actual_revenue is None
    assert opportunity.probability == 80
    assert CloseRecord.objects.get(opportunity=opportunity).reopened_at is not None


def test_a_teammate_may_not_close_someone_elses_opportunity(org):
    opportunity = OpportunityFactory(owner=org.sam)

    with pytest.raises(PermissionDenied):
        services.opportunity_win(opportunity=opportunity, actor=org.sofia)

    services.opportunity_win(opportunity=opportunity, actor=org.maria)  # their manager may
    opportunity.refresh_from_db()
    assert opportunity.status == "won"


@pytest.fixture
def fake_quote_guard(monkeypatch):
    """Stands in for the quotes app (alone, whatever else is registered): two open quotes
    block closing unless close_quotes."""
    calls = []
    open_quotes = {"count": 2}

    def guard(*, opportunity, actor, outcome, close_quotes, winning_quote=None):
        calls.append({"outcome": outcome, "close_quotes": close_quotes,
                      "winning_quote": winning_quote})
        if open_quotes["count"] and not close_quotes:
            raise TransitionNotAllowed("Close its 2 open quotes first.", allowed=["win", "lose"])
        open_quotes["count"] = 0

    monkeypatch.setattr(hooks, "close_guards", [])
    hooks.register_close_guard(guard)
    return calls


def test_open_quotes_block_closing_unless_close_quotes(org, fake_quote_guard):
    opportunity = OpportunityFactory(owner=org.sam)

    with pytest.raises(TransitionNotAllowed):
        services.opportunity_win(opportunity=opportunity, actor=org.sam)
    opportunity.refresh_from_db()
    assert opportunity.status == "open"

    services.opportunity_win(opportunity=opportunity, actor=org.sam, close_quotes=True,
                             winning_quote=WINNING)
    opportunity.refresh_from_db()
    assert opportunity.status == "won"
    assert fake_quote_guard[-1] == {"outcome": "won", "close_quotes": True,
                                    "winning_quote": WINNING}


def test_the_guard_is_told_about_a_loss(org, fake_quote_guard):
    opportunity = OpportunityFactory(owner=org.sam)

    services.opportunity_lose(opportunity=opportunity, actor=org.sam, reason="canceled",
                              close_quotes=True)

    assert fake_quote_guard == [{"outcome": "lost", "close_quotes": True,
                                 "winning_quote": None}]


def test_registering_a_guard_twice_keeps_one(monkeypatch):
    def guard(**kwargs):
        pass

    monkeypatch.setattr(hooks, "close_guards", [])
    hooks.register_close_guard(guard)
    hooks.register_close_guard(guard)

    assert hooks.close_guards == [guard]
