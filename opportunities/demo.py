"""Demo opportunities for `manage.py seed_demo`: fifteen deals of the demo sellers spread over
the four stages, with product lines, filled steps, a few won and lost, made through the services
(so history, events and totals are real) and then spread back in time for the charts."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import Opportunity, StageChange

# topic, account index, target stage, outcome, [(product index, quantity)], days ago created
DEALS = [
    ("125 CRM seats for Contoso", 0, "propose", "", [(0, 125), (1, 1)], 60),
    ("Fabrikam plant rollout", 1, "close", "", [(0, 300), (3, 1), (6, 1)], 75),
    ("Adventure Works store pilot", 2, "develop", "", [(0, 20), (2, 2)], 25),
    ("Litware onboarding", 3, "qualify", "", [(2, 3)], 6),
    ("Tailspin support renewal", 4, "develop", "", [(1, 1)], 18),
    ("Northwind Health integration", 5, "propose", "", [(3, 2), (7, 40)], 44),
    ("Woodgrove Bank enterprise licence", 6, "close", "", [(0, 800), (1, 3), (6, 1)], 90),
    ("Coho Winery starter pack", 7, "qualify", "", [(0, 5)], 3),
    ("Blue Yonder data migration", 8, "develop", "", [(6, 1), (7, 24)], 33),
    ("Alpine Ski House scanners", 9, "propose", "", [(4, 12), (5, 12)], 27),
    ("Fourth Coffee training", 10, "qualify", "", [(5, 30)], 9),
    ("Proseware consulting block", 11, "develop", "", [(7, 80)], 21),
    ("Contoso premium support", 0, "close", "won", [(1, 2)], 120),
    ("Fabrikam scanner fleet", 1, "propose", "lost", [(4, 40)], 100),
    ("Litware API package", 3, "close", "won", [(3, 1), (2, 1)], 80),
]
STEP_VALUES = {
    "qualify": {"purchase_timeframe": "this_quarter", "purchase_process": "committee",
                "budget_amount": Decimal("50000.00"), "decision_maker": True},
    "develop": {"customer_need": "Replace spreadsheets and email with one pipeline.",
                "proposed_solution": "CRM seats with onboarding and premium support.",
                "stakeholders_identified": True},
    "propose": {"proposal_developed": True, "internal_review_done": True,
                "proposal_presented": True, "sales_team_identified": True},
    "close": {"final_proposal_done": True, "final_proposal_presented": True},
}
ORDER = ["qualify", "develop", "propose", "close"]


def seed(ctx) -> None:
    accounts, products, sellers = ctx["accounts"], ctx["products"], ctx["sellers"]
    price_list = ctx.get("price_list")
    now = timezone.now()
    today = timezone.localdate()
    created = []
    for index, (topic, account_i, stage, outcome, lines, days_ago) in enumerate(DEALS):
        account = accounts[account_i % len(accounts)]
        owner = account.owner if account.owner in sellers else sellers[index % len(sellers)]
        contact = account.primary_contact
        opportunity = services.opportunity_create(
            actor=owner, topic=topic, account=account, contact=contact,
            price_list=price_list, revenue_source="system", rating=["hot", "warm", "cold"][
                index % 3],
            estimated_close_date=today + timedelta(days=7 + (index * 11) % 80),
            forecast_category=["pipeline", "best_case", "committed"][index % 3],
            source="web" if index % 2 else "trade_show",
        )
        for product_i, quantity in lines:
            services.opportunity_line_add(opportunity=opportunity, actor=owner,
                                          product=products[product_i % len(products)],
                                          quantity=Decimal(quantity))
        # Walk the flow as the seller would: fill each stage's steps, then advance.
        target = ORDER.index(stage)
        for step_stage in ORDER[: target + 1]:
            values = dict(STEP_VALUES[step_stage])
            if step_stage == "close":
                values["decision_date"] = today + timedelta(days=10)
            services.opportunity_update(opportunity=opportunity, actor=owner, **values)
            if ORDER.index(step_stage) < target:
                services.opportunity_advance(opportunity=opportunity, actor=owner)
        if outcome == "won":
            services.opportunity_win(opportunity=opportunity, actor=owner,
                                     close_date=today - timedelta(days=days_ago // 4),
                                     note="Signed after the final presentation.")
        elif outcome == "lost":
            services.opportunity_lose(opportunity=opportunity, actor=owner, reason="out_sold",
                                      competitor="Globex", note="Lost on price.")
        _spread_in_time(opportunity, now, days_ago)
        created.append(opportunity)
    created += _qualify_some_leads(ctx)
    ctx["opportunities"] = created


def _qualify_some_leads(ctx) -> list:
    """Qualify two of the demo leads, so the demo shows the lead -> opportunity conversion."""
    from leads.models import Lead

    from .conversion import lead_qualify

    qualified = []
    leads = [lead for lead in ctx.get("leads", []) if lead.status in ("new", "contacted")
             and lead.company and lead.last_name]
    for lead in leads[:2]:
        lead = Lead.objects.get(pk=lead.pk)
        result = lead_qualify(lead=lead, actor=lead.owner, allow_duplicates=True)
        if result.opportunity is not None:
            qualified.append(result.opportunity)
    return qualified


def _spread_in_time(opportunity, now, days_ago) -> None:
    """Demo only: move the creation and stage changes back in time so time-in-stage and
    velocity reports have something to show (the services stamp everything with now)."""
    changes = list(StageChange.objects.filter(opportunity=opportunity).order_by("id"))
    step = timedelta(days=days_ago) / max(len(changes), 1)
    previous = None
    for i, change in enumerate(changes):
        at = now - timedelta(days=days_ago) + step * i
        StageChange.objects.filter(pk=change.pk).update(
            changed_at=at, time_in_previous_stage=(at - previous) if previous else None)
        previous = at
    Opportunity.objects.filter(pk=opportunity.pk).update(
        created_at=now - timedelta(days=days_ago), stage_entered_at=previous or now)
    opportunity.refresh_from_db()
