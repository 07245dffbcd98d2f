"""PROCESS.md: open quotes block winning/losing their opportunity unless `close_quotes`."""

import pytest

from crm.common.codes import RefusalReason
from crm.common.errors import TransitionNotAllowed
from opportunities import services as opportunity_services
from opportunities.models import Opportunity
from quotes import services
from quotes.models import Quote

from .factories import OpportunityFactory, make_active_quote, make_quote

pytestmark = pytest.mark.django_db


def states(opportunity):
    return {q.display_number: (q.status, q.status_reason)
            for q in Quote.objects.filter(opportunity=opportunity)}


@pytest.fixture
def opportunity_with_quotes(org):
    opportunity = OpportunityFactory(owner=org.sam)
    draft = make_quote(owner=org.sam, opportunity=opportunity)
    active = make_active_quote(owner=org.sam, opportunity=opportunity)
    lost = make_active_quote(owner=org.sam, opportunity=opportunity)
    services.quote_close(quote=lost, actor=org.sam, reason="lost")
    return opportunity, draft, active


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_closing_an_opportunity_with_open_quotes_is_refused_without_close_quotes(
        org, opportunity_with_quotes, outcome):
    opportunity, draft, active = opportunity_with_quotes
    before = states(opportunity)

    with pytest.raises(TransitionNotAllowed) as exc:
        if outcome == "won":
            opportunity_services.opportunity_win(opportunity=opportunity, actor=org.sam)
        else:
            opportunity_services.opportunity_lose(opportunity=opportunity, actor=org.sam,
                                                  reason="out_sold")

    assert exc.value.extra["open_quotes"] == [draft.number, active.number]
    assert exc.value.reason == RefusalReason.OPEN_QUOTES
    assert Opportunity.objects.get(pk=opportunity.pk).status == "open"
    assert states(opportunity) == before


def test_losing_with_close_quotes_closes_open_quotes_as_lost(org, opportunity_with_quotes):
    opportunity, draft, active = opportunity_with_quotes

    opportunity_services.opportunity_lose(opportunity=opportunity, actor=org.sam,
                                          reason="canceled", close_quotes=True)

    assert Opportunity.objects.get(pk=opportunity.pk).status == "lost"
    assert set(states(opportunity).values()) == {("closed", "lost")}


def test_winning_with_close_quotes_cancels_open_quotes_except_the_winning_one(
        org, opportunity_with_quotes):
    opportunity, draft, active = opportunity_with_quotes

    opportunity_services.opportunity_win(opportunity=opportunity, actor=org.sam,
                                         close_quotes=True, winning_quote=active)

    result = states(opportunity)
    assert result[draft.number] == ("closed", "canceled")
    assert result[active.number] == ("active", "in_progress")
    assert Opportunity.objects.get(pk=opportunity.pk).status == "won"


def test_an_opportunity_whose_quotes_are_all_closed_closes_freely(org):
    opportunity = OpportunityFactory(owner=org.sam)
    quote = make_active_quote(owner=org.sam, opportunity=opportunity)
    services.quote_mark_won(quote=quote, actor=org.sam)

    opportunity_services.opportunity_win(opportunity=opportunity, actor=org.sam)

    assert Opportunity.objects.get(pk=opportunity.pk).status == "won"
    assert states(opportunity)[quote.number] == ("won", "won")
