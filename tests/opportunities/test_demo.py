from django.core.management import call_command

from opportunities.models import Opportunity, OpportunityLine, StageChange


def test_seed_demo_creates_opportunities_across_stages_with_lines(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))

    opportunities = Opportunity.objects.all()
    assert opportunities.count() >= 15
    assert set(opportunities.filter(status="open").values_list("stage", flat=True)) == {
        "qualify", "develop", "propose", "close"}
    assert set(opportunities.values_list("status", flat=True)) == {"open", "won", "lost"}
    assert OpportunityLine.objects.count() >= 25
    assert all(o.estimated_revenue > 0 for o in opportunities)
    assert StageChange.objects.filter(from_stage="propose", to_stage="close").exists()
    assert set(opportunities.values_list("owner__username", flat=True)) == {"sam", "sofia", "tom"}
