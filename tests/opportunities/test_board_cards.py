"""`{% board_cards %}` (issue 17: a board lane built in one pass) writes exactly what the card
partial `opportunities/_card.html` writes, card for card, in every state and language."""

from datetime import date
from decimal import Decimal

import pytest
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from opportunities import selectors
from tests.factories import AccountFactory, ContactFactory

from .factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def _cards(org):
    account = AccountFactory(owner=org.sam, name="Müller & Søn <GmbH>")
    contact = ContactFactory(owner=org.sam, first_name="Zoë", last_name='"Quoted"')
    made = [
        OpportunityFactory(owner=org.sam, account=account, topic="Fleet <b>renewal</b> & more",
                           stage="qualify", estimated_close_date=date(2026, 12, 24)),
        OpportunityFactory(owner=org.sam, account=None, contact=contact, stage="develop",
                           estimated_revenue=Decimal("1234567.89"), currency="EUR"),
        OpportunityFactory(owner=org.sofia, account=None, stage="propose", probability=60),
        OpportunityFactory(owner=org.sam, account=account, stage="close", probability=80,
                           estimated_close_date=date(2027, 1, 5)),
    ]
    cards = [selectors.lane_cards(queryset=selectors.opportunity_list(user=org.sam)
                                  .filter(pk=o.pk), stage=o.stage, limit=1)[0] for o in made]
    for index, card in enumerate(cards):
        card.movable = index != 2  # Sam reads Sofia's card but may not move it
        card.score_grade = "B" if index in (0, 2) else None
    return cards


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("with_csrf", [True, False])
@pytest.mark.parametrize("scoring_on", [True, False])
def test_the_cards_are_the_partial_card_for_card(org, language, with_csrf, scoring_on):
    cards = _cards(org)
    request = RequestFactory().get("/opportunities/board/", {"owner": "1", "q": 'a&b"c'})
    request.user = org.sam
    with translation.override(language):
        context = {"request": request, "scoring_on": scoring_on,
                   "querystring": request.GET.urlencode(), "error_opportunity": cards[1]}
        if with_csrf:
            context["csrf_token"] = get_token(request)
        expected = "".join(render_to_string("opportunities/_card.html", {**context, "o": o})
                           for o in cards)
        rendered = Template("{% load opportunity_tags %}{% board_cards cards %}").render(
            Context({**context, "cards": cards}))
    assert rendered == expected
    assert rendered.count("<li ") == 4 and rendered.count("data-movable") == 3
    assert "Müller &amp; Søn &lt;GmbH&gt;" in rendered and "&lt;b&gt;renewal" in rendered


def test_the_lane_lists_its_cards_with_one_query_per_lane(org, web,
                                                          django_assert_max_num_queries):
    for i in range(30):
        OpportunityFactory(owner=org.sam, stage="develop", topic=f"Deal {i:02d}",
                           estimated_revenue=Decimal(1000 + i))
    client = web(org.sam)
    url = "/opportunities/board/lanes/develop/"
    client.get(url)
    with django_assert_max_num_queries(5):
        html = client.get(url).content.decode()
    assert html.count('<li class="card"') == 30
    assert html.index("Deal 29") < html.index("Deal 00")  # largest first
