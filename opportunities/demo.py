"""Demo opportunities for `manage.py seed_demo`: fifteen deals of the demo sellers spread over
the four stages, with product lines, filled steps, a few won and lost, made through the services
(so history, events and totals are real) and then spread back in time for the charts; and a
year of history (`seed_history`) written in bulk."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from crm.activities.event_types import EventType

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
    ctx["history_opportunities"] = seed_history(ctx, now)


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


# --- a year of history ------------------------------------------------------------------------
# Deals that came from the qualified history leads plus renewals and upsells on the demo
# accounts, walked through the stages on a simulated calendar (time in each stage, a chance to be
# lost at each stage, won at Close) and written in bulk with their stage history, close
# records, events and activities at the times they happened. Deals whose next step falls after
# today are still open where they stand.

HISTORY_ACCOUNT_DEALS = 95
STAGE_DAYS = {"qualify": (4, 16), "develop": (6, 26), "propose": (5, 22), "close": (3, 16)}
LOSE_CHANCE = {"qualify": 0.14, "develop": 0.15, "propose": 0.2, "close": 0.24}
QUANTITIES = {"CRM-SEAT": (10, 120), "CRM-SUPPORT": (1, 3), "ONB-DAY": (1, 5),
              "INT-API": (1, 2), "HW-SCAN": (5, 40), "TRN-SEAT": (10, 100), "DATA-MIG": (1, 1),
              "CONS-HOUR": (10, 80)}
DEAL_NAMES = ["{account}: seat expansion", "{account}: support renewal",
              "{account}: onboarding programme", "{account}: integration project",
              "{account}: training for new hires", "{account}: data migration"]
COMPETITORS = ["Globex", "Initech", "Umbrella CRM", ""]
ACTIVITY_SUBJECTS = ["Discovery call", "Demo of the pipeline board", "Pricing discussion",
                     "Sent the proposal", "Negotiation call", "Reference call"]
OPEN_TASKS = ["Follow up on the proposal", "Send the revised pricing", "Book the final "
              "presentation", "Confirm the decision date"]


def _walk(rng, start: str, created, now):
    """Simulate one deal: [(from, to, at, time in previous)], the outcome ("won", "lost" or
    "open") and when it closed (or None)."""
    changes = [("", start, created, None)]
    at = created
    for stage in ORDER[ORDER.index(start):]:
        dwell = timedelta(days=rng.uniform(*STAGE_DAYS[stage]), hours=rng.randint(0, 8))
        if at + dwell >= now:
            return changes, "open", None
        at += dwell
        if rng.random() < LOSE_CHANCE[stage]:
            return changes, "lost", at
        if stage == "close":
            return changes, "won", at
        following = ORDER[ORDER.index(stage) + 1]
        changes.append((stage, following, at, dwell))
    return changes, "open", None  # pragma: no cover (the loop always returns)


def _open_category(rng, stage: str) -> str:
    if rng.random() < 0.05:
        return "omitted"
    return {"qualify": "pipeline", "develop": rng.choice(["pipeline", "best_case"]),
            "propose": rng.choice(["best_case", "committed"]), "close": "committed"}[stage]


def _history_accounts(ctx, leads, now):
    """An account and a contact for each qualified history lead (as qualifying does)."""
    from crm.customers.models import Account, Contact

    accounts = [Account(name=lead.company, owner=lead.owner, city=lead.city,
                        email=f"info@{lead.email.split('@')[1]}",
                        phone=lead.business_phone, industry=ctx["rng"].choice(
                            ["technology", "retail", "manufacturing", "healthcare", "finance"]),
                        created_at=lead.qualified_at, updated_at=lead.qualified_at)
                for lead in leads]
    for account in accounts:
        account.refresh_keys()  # bulk_create does not call save(), which keeps the match keys
    Account.objects.bulk_create(accounts, batch_size=200)
    contacts = [Contact(first_name=lead.first_name, last_name=lead.last_name,
                        job_title=lead.job_title, email=lead.email,
                        business_phone=lead.business_phone, account=account, owner=lead.owner,
                        city=lead.city, created_at=lead.qualified_at,
                        updated_at=lead.qualified_at)
                for lead, account in zip(leads, accounts, strict=True)]
    for contact in contacts:
        contact.refresh_keys()
    Contact.objects.bulk_create(contacts, batch_size=200)
    for account, contact in zip(accounts, contacts, strict=True):
        account.primary_contact = contact
    Account.objects.bulk_update(accounts, ["primary_contact"], batch_size=200)
    return accounts, contacts


def seed_history(ctx, now) -> list:
    from crm.activities.models import Activity, ActivityKind, ActivityState, Event
    from crm.catalog.models import PriceListItem
    from leads.demo import record_qualified
    from leads.models import Lead

    from .models import CloseRecord, OpportunityLine

    rng = ctx["rng"]
    price_list = ctx.get("price_list")
    prices = dict(PriceListItem.objects.filter(price_list=price_list)
                  .values_list("product_id", "unit_price"))
    tax = Decimal("8.00")
    plans = []
    leads = [lead for lead in ctx.get("history_leads", []) if lead.status == "qualified"]
    accounts, contacts = _history_accounts(ctx, leads, now) if leads else ([], [])
    for lead, account, contact in zip(leads, accounts, contacts, strict=True):
        plans.append({"topic": lead.topic, "account": account, "contact": contact,
                      "owner": lead.owner, "lead": lead, "created": lead.qualified_at,
                      "start": "develop", "value": lead.estimated_value, "lines": [],
                      "source": lead.source})
    demo_accounts = ctx["accounts"]
    for n in range(HISTORY_ACCOUNT_DEALS):
        account = demo_accounts[n % len(demo_accounts)]
        u = rng.random()
        age = 365 * (u if n % 3 else 1 - (1 - u) ** 0.5)
        created = now - timedelta(days=max(age, 1), hours=rng.randint(0, 9))
        lines = []
        for product in rng.sample(ctx["products"], rng.choice([1, 1, 2, 2, 3])):
            low, high = QUANTITIES.get(product.sku, (1, 5))
            quantity = Decimal(rng.randint(low, high))
            lines.append((product, quantity, prices.get(product.pk, Decimal("100.00"))))
        value = sum((q * p for _pr, q, p in lines), Decimal("0.00"))
        plans.append({"topic": rng.choice(DEAL_NAMES).format(account=account.name),
                      "account": account, "contact": account.primary_contact,
                      "owner": account.owner, "lead": None, "created": created,
                      "start": "qualify", "value": value.quantize(Decimal("0.01")),
                      "lines": lines, "source": rng.choice(["web", "partner", "other"])})

    opportunities = []
    today = now.date()
    for plan in plans:
        changes, outcome, closed_at = _walk(rng, plan["start"], plan["created"], now)
        stage = changes[-1][1]
        plan.update(changes=changes, outcome=outcome, closed_at=closed_at)
        values = {}
        for done in ORDER[: ORDER.index(stage) + 1]:
            values.update(STEP_VALUES[done])
        values.pop("budget_amount", None)
        if outcome == "open":
            close_date = today + timedelta(days=rng.randint(-6, 95))
            extra = {"status": "open", "status_reason": "in_progress",
                     "forecast_category": _open_category(rng, stage),
                     "probability": {"qualify": 10, "develop": 30, "propose": 60,
                                     "close": 80}[stage]}
        elif outcome == "won":
            close_date = closed_at.date()
            actual = (plan["value"] * Decimal(rng.choice(["1", "1", "0.95", "0.9"]))).quantize(
                Decimal("0.01"))
            extra = {"status": "won", "status_reason": "won", "forecast_category": "won",
                     "probability": 100, "actual_revenue": actual,
                     "actual_close_date": close_date}
        else:
            close_date = closed_at.date()
            extra = {"status": "lost", "status_reason": rng.choice(["out_sold", "canceled"]),
                     "forecast_category": "lost", "probability": 0,
                     "actual_revenue": Decimal("0.00"), "actual_close_date": close_date}
        if "decision_date" not in values and stage == "close":
            values["decision_date"] = close_date
        last_change = changes[-1][2]
        opportunity = Opportunity(
            topic=plan["topic"], account=plan["account"], contact=plan["contact"],
            owner=plan["owner"], price_list=price_list, currency="USD", source=plan["source"],
            originating_lead=plan["lead"],
            revenue_source="system" if plan["lines"] else "user",
            estimated_revenue=plan["value"],
            total_line_amount=plan["value"] if plan["lines"] else Decimal("0.00"),
            total_tax=(plan["value"] * tax / 100).quantize(Decimal("0.01"))
            if plan["lines"] else Decimal("0.00"),
            estimated_close_date=close_date if outcome == "open" else close_date
            - timedelta(days=rng.randint(-10, 20)),
            rating=rng.choice(["hot", "warm", "warm", "cold"]), stage=stage,
            stage_entered_at=last_change, created_at=plan["created"],
            updated_at=closed_at or last_change, budget_amount=plan["value"],
            **values, **extra,
        )
        opportunities.append(opportunity)
    Opportunity.objects.bulk_create(opportunities, batch_size=200)

    lines, stage_changes, close_records, events, activities = [], [], [], [], []
    lead_events, qualified_leads = [], []
    for plan, opportunity in zip(plans, opportunities, strict=True):
        owner = plan["owner"]
        for order, (product, quantity, price) in enumerate(plan["lines"]):
            amount = (quantity * price).quantize(Decimal("0.01"))
            lines.append(OpportunityLine(
                opportunity=opportunity, product=product, quantity=quantity, unit_price=price,
                tax_rate=tax, amount=amount, tax=(amount * tax / 100).quantize(Decimal("0.01")),
                sort_order=order, created_at=plan["created"]))
        for before, after, at, spent in plan["changes"]:
            stage_changes.append(StageChange(opportunity=opportunity, from_stage=before,
                                             to_stage=after, actor=owner, changed_at=at,
                                             time_in_previous_stage=spent))
            if before:
                events.append(Event(record_type="opportunity", record_id=opportunity.pk,
                                    action=EventType.STAGE_ADVANCED, from_state=before,
                                    to_state=after, actor=owner, occurred_at=at))
            else:
                events.append(Event(record_type="opportunity", record_id=opportunity.pk,
                                    action=EventType.CREATED, to_state=after, actor=owner,
                                    occurred_at=at,
                                    data={"originating_lead": opportunity.originating_lead_id}))
        closed_at = plan["closed_at"]
        if plan["outcome"] == "won":
            close_records.append(CloseRecord(
                opportunity=opportunity, outcome="won", status_reason="won",
                actual_revenue=opportunity.actual_revenue, close_date=closed_at.date(),
                note="Signed.", actor=owner, created_at=closed_at))
            events.append(Event(record_type="opportunity", record_id=opportunity.pk,
                                action=EventType.WON, from_state="open", to_state="won",
                                actor=owner, occurred_at=closed_at, note="Signed.",
                                data={"actual_revenue": str(opportunity.actual_revenue),
                                      "close_date": str(closed_at.date())}))
        elif plan["outcome"] == "lost":
            competitor = rng.choice(COMPETITORS) if opportunity.status_reason == "out_sold" \
                else ""
            close_records.append(CloseRecord(
                opportunity=opportunity, outcome="lost",
                status_reason=opportunity.status_reason, actual_revenue=Decimal("0.00"),
                close_date=closed_at.date(), competitor=competitor, actor=owner,
                created_at=closed_at))
            events.append(Event(record_type="opportunity", record_id=opportunity.pk,
                                action=EventType.LOST, from_state="open", to_state="lost",
                                actor=owner, occurred_at=closed_at,
                                data={"reason": opportunity.status_reason,
                                      "competitor": competitor}))
        # Calls, e-mails and meetings between creation and close (or today).
        end = closed_at or now
        span = (end - plan["created"]).total_seconds()
        for _n in range(rng.randint(1, 3)):
            at = plan["created"] + timedelta(seconds=span * rng.uniform(0.1, 0.95))
            kind = rng.choice([ActivityKind.PHONE_CALL, ActivityKind.PHONE_CALL,
                               ActivityKind.EMAIL, ActivityKind.APPOINTMENT])
            activity = Activity(
                kind=kind, state=ActivityState.COMPLETED, opportunity=opportunity, owner=owner,
                subject=rng.choice(ACTIVITY_SUBJECTS), completed_at=at, created_at=at,
                updated_at=at, description="Next steps agreed.")
            if kind == ActivityKind.PHONE_CALL:
                activity.direction = rng.choice(["outgoing", "incoming"])
                activity.duration_minutes = rng.choice([10, 15, 25, 40])
            elif kind == ActivityKind.EMAIL:
                activity.direction = "outgoing"
                activity.email_from = owner.email
            else:
                activity.starts_at, activity.ends_at = at, at + timedelta(hours=1)
                activity.location = "Video call"
            activities.append(activity)
        if plan["outcome"] == "open" and rng.random() < 0.6:
            due = now + timedelta(days=rng.randint(-9, 12), hours=rng.randint(1, 6))
            activities.append(Activity(
                kind=ActivityKind.TASK, state=ActivityState.OPEN, opportunity=opportunity,
                owner=owner, subject=rng.choice(OPEN_TASKS), due_at=due,
                priority="high" if rng.random() < 0.25 else "normal",
                created_at=min(now, due - timedelta(days=7)), updated_at=now))
        if plan["lead"] is not None:
            lead_events.append(record_qualified(plan["lead"], opportunity.pk))
            qualified_leads.append(plan["lead"])
    OpportunityLine.objects.bulk_create(lines, batch_size=500)
    StageChange.objects.bulk_create(stage_changes, batch_size=500)
    CloseRecord.objects.bulk_create(close_records, batch_size=500)
    Event.objects.bulk_create(events + lead_events, batch_size=500)
    Activity.objects.bulk_create(activities, batch_size=500)
    Lead.objects.bulk_update(qualified_leads, ["qualifying_opportunity_id"], batch_size=200)
    return opportunities
