"""Issue 16 polish: the gate hint lists what is missing without a stray comma."""

import re

import pytest

from opportunities.models import StageStep
from tests.quotes.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def _hint(page: str) -> str:
    match = re.search(r"<span[^>]*data-missing>(.*?)</span>", page, re.S)
    assert match, "no gate hint"
    return match.group(1)


def test_gate_hint_has_no_stray_comma(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    page = web(org.sam).get(opportunity.get_absolute_url()).content.decode()
    assert _hint(page) == "Required before Propose: Customer need"


def test_gate_hint_joins_every_missing_step_with_commas(org, web):
    opportunity = OpportunityFactory(owner=org.sam, stage="qualify")
    labels = {s.field: s.label for s in StageStep.objects.filter(stage="qualify")}
    missing = [labels[field] for field in opportunity.missing_steps()]
    assert missing  # a new opportunity has required steps to fill in Qualify
    page = web(org.sam).get(opportunity.get_absolute_url()).content.decode()
    assert _hint(page) == "Required before Develop: " + ", ".join(missing)
