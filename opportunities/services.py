"""Every write to opportunities: create/update, the business process flow (advance, retreat),
win/lose/reopen, hold/resume, and the product lines with the revenue they drive.

Each service owns its transaction, locks the opportunity row (`select_for_update`), checks the
business rules, runs the django-fsm transition, saves with `update_fields`, records a timeline
event and, for stage moves, a `StageChange` row. Domain failures raise `crm.common.errors`
classes, which the API maps to JSON 4xx and the HTML views to messages.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.catalog.models import PriceList, PriceListItem, Product
from crm.catalog.pricing import PricingError, line_totals
from crm.common.changes import record_deleted, record_updated, snapshot
from crm.common.codes import RefusalReason
from crm.common.deletion import delete_or_refuse
from crm.common.errors import (
    BusinessRuleViolation,
    PreconditionFailed,
    RecordInUse,
    RecordLocked,
    TransitionNotAllowed,
)
from crm.common.money import ZERO, round_money, to_decimal
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import apply_owner_change, check_can_assign_owner, check_can_change
from crm.customers.models import Account, Contact
from crm.users.models import User
from leads.models import Lead

from . import rollups
from .hooks import run_close_guards
from .models import (
    LOSE_REASONS,
    CloseOutcome,
    CloseRecord,
    Opportunity,
    OpportunityLine,
    RevenueSource,
    Stage,
    StageChange,
    StageSetting,
    StageStep,
    Status,
    StatusReason,
)

# Fields a create/update may set (state fields go through transitions, totals through lines).
EDITABLE_FIELDS = [
    "topic", "account", "contact", "currency", "price_list", "source", "description",
    "revenue_source", "estimated_revenue", "estimated_close_date", "probability", "rating",
    "forecast_category", "purchase_timeframe", "budget_amount", "budget_status",
    "purchase_process",
    "decision_maker", "need", "customer_need", "proposed_solution", "stakeholders_identified",
    "competitors_identified", "sales_team_identified", "proposal_developed",
    "internal_review_done", "proposal_presented", "final_proposal_done",
    "final_proposal_presented", "decision_date", "thank_you_sent", "debrief_filed",
]
CLOSED_FORECAST = {"won", "lost"}


# --- helpers ------------------------------------------------------------------------------


def _lock(opportunity: Opportunity) -> Opportunity:
    locked: Opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    return locked


def _check_version(opportunity: Opportunity, expected_version: int | str | None) -> None:
    """`If-Match` checked under the row lock, so two requests holding the same version can
    never both succeed (the API also checks it earlier, before the lock, for a quick 412)."""
    if expected_version is not None and int(expected_version) != opportunity.version:
        raise PreconditionFailed()


def allowed_actions(opportunity: Opportunity) -> list[str]:
    """The actions the opportunity's state allows (API `allowed`; the gate is not evaluated)."""
    if opportunity.status != Status.OPEN:
        return ["reopen"]
    actions = []
    if opportunity.next_stage:
        actions.append("advance")
    if opportunity.previous_stage:
        actions.append("retreat")
    actions += ["win", "lose"]
    return actions


def _check_open(opportunity: Opportunity) -> None:
    if opportunity.status != Status.OPEN:
        raise RecordLocked(
            _("This opportunity is %(status)s and read-only. Reopen it to change it.")
            % {"status": opportunity.get_status_display().lower()},
            reason=RefusalReason.NOT_EDITABLE,
        )


def _stage_label(stage: str) -> str:
    return str(dict(Stage.choices)[stage])


def _full_clean(opportunity: Opportunity, changed: Iterable[str] = ()) -> None:
    opportunity.full_clean(exclude=["owner", "account", "contact", "price_list", "status",
                                    "status_reason", "stage", "originating_lead"])
    if opportunity.forecast_category in CLOSED_FORECAST and opportunity.status == Status.OPEN:
        raise ValidationError({"forecast_category": [
            _("Won and lost are set by winning or losing the opportunity.")
        ]})


def _record_stage_change(opportunity: Opportunity, *, actor: User | None, before: str,
                         entered_before: datetime | None) -> StageChange:
    now = timezone.now()
    change = StageChange.objects.create(
        opportunity=opportunity, from_stage=before, to_stage=opportunity.stage,
        actor=actor if getattr(actor, "pk", None) else None, changed_at=now,
        time_in_previous_stage=(now - entered_before) if entered_before else None,
    )
    # The board's velocity figures (rollups.py) follow each move.
    rollups.add_stage_time(owner_id=opportunity.owner_id, stage=before,
                           spent=change.time_in_previous_stage)
    return change


def _default_price_list() -> PriceList | None:
    return PriceList.objects.filter(is_default=True).order_by("id").first()


# --- create / update ------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
        *, actor: User, owner: User | None = None, topic: str, account: Account | None = None,
        contact: Contact | None = None, stage: str = Stage.QUALIFY,
        originating_lead: Lead | None = None,
        currency: Maybe[str] = UNSET, price_list: Maybe[PriceList | None] = UNSET,
        source: Maybe[str] = UNSET, description: Maybe[str] = UNSET,
        revenue_source: Maybe[str] = UNSET, estimated_revenue: Maybe[Decimal | None] = UNSET,
        estimated_close_date: Maybe[date | None] = UNSET, probability: Maybe[int | None] = UNSET,
        rating: Maybe[str] = UNSET, forecast_category: Maybe[str] = UNSET,
        purchase_timeframe: Maybe[str] = UNSET, budget_amount: Maybe[Decimal | None] = UNSET,
        budget_status: Maybe[str] = UNSET, purchase_process: Maybe[str] = UNSET,
        decision_maker: Maybe[bool] = UNSET, need: Maybe[str] = UNSET,
        customer_need: Maybe[str] = UNSET, proposed_solution: Maybe[str] = UNSET,
        stakeholders_identified: Maybe[bool] = UNSET, competitors_identified: Maybe[bool] = UNSET,
        sales_team_identified: Maybe[bool] = UNSET, proposal_developed: Maybe[bool] = UNSET,
        internal_review_done: Maybe[bool] = UNSET, proposal_presented: Maybe[bool] = UNSET,
        final_proposal_done: Maybe[bool] = UNSET, final_proposal_presented: Maybe[bool] = UNSET,
        decision_date: Maybe[date | None] = UNSET, thank_you_sent: Maybe[bool] = UNSET,
        debrief_filed: Maybe[bool] = UNSET,
) -> Opportunity:
    """Create an open opportunity owned by `owner` (default: the actor) in `stage` (`qualify`
    by default; qualifying a lead starts it in `develop`). The price list defaults to the
    default price list and the currency follows the price list. Records the first stage
    entry and a `created` event."""
    owner = owner or actor
    check_can_assign_owner(actor, owner)
    if stage not in Stage.values:
        raise ValidationError({"stage": [_("Unknown stage.")]})
    opportunity = Opportunity(owner=owner, topic=topic, account=account, contact=contact,
                              stage=stage)
    if originating_lead is not None:
        opportunity.originating_lead = originating_lead
    fields = given(
        currency=currency, price_list=price_list, source=source, description=description,
        revenue_source=revenue_source, estimated_revenue=estimated_revenue,
        estimated_close_date=estimated_close_date, probability=probability, rating=rating,
        forecast_category=forecast_category, purchase_timeframe=purchase_timeframe,
        budget_amount=budget_amount, budget_status=budget_status,
        purchase_process=purchase_process, decision_maker=decision_maker, need=need,
        customer_need=customer_need, proposed_solution=proposed_solution,
        stakeholders_identified=stakeholders_identified,
        competitors_identified=competitors_identified,
        sales_team_identified=sales_team_identified, proposal_developed=proposal_developed,
        internal_review_done=internal_review_done, proposal_presented=proposal_presented,
        final_proposal_done=final_proposal_done,
        final_proposal_presented=final_proposal_presented, decision_date=decision_date,
        thank_you_sent=thank_you_sent, debrief_filed=debrief_filed)
    fields.pop("currency", None)  # follows the price list; set below

    def prepare(opportunity: Opportunity, changed: list[str]) -> None:
        if opportunity.price_list_id is None and price_list is UNSET:
            opportunity.price_list = _default_price_list()
        if opportunity.price_list is not None:
            opportunity.currency = opportunity.price_list.currency
        elif currency:
            opportunity.currency = currency.upper()
        if probability is UNSET or probability is None:
            opportunity.probability = StageSetting.probability_for(stage)
        if estimated_revenue is UNSET or estimated_revenue is None:
            opportunity.estimated_revenue = ZERO
        _full_clean(opportunity)

    model_update(instance=opportunity, fields=EDITABLE_FIELDS, data=fields, validate=prepare)
    _record_stage_change(opportunity, actor=actor, before="", entered_before=None)
    record_event(record=opportunity, actor=actor, action=EventType.CREATED,
                 to_state=opportunity.stage,
                 data={"originating_lead": getattr(opportunity, "originating_lead_id", None)})
    return opportunity


@transaction.atomic
def opportunity_update(
        *, opportunity: Opportunity, actor: User, expected_version: int | str | None = None,
        owner: Maybe[User | None] = UNSET,
        topic: Maybe[str] = UNSET, account: Maybe[Account | None] = UNSET,
        contact: Maybe[Contact | None] = UNSET, currency: Maybe[str] = UNSET,
        price_list: Maybe[PriceList | None] = UNSET, source: Maybe[str] = UNSET,
        description: Maybe[str] = UNSET, revenue_source: Maybe[str] = UNSET,
        estimated_revenue: Maybe[Decimal | None] = UNSET,
        estimated_close_date: Maybe[date | None] = UNSET, probability: Maybe[int | None] = UNSET,
        rating: Maybe[str] = UNSET, forecast_category: Maybe[str] = UNSET,
        purchase_timeframe: Maybe[str] = UNSET, budget_amount: Maybe[Decimal | None] = UNSET,
        budget_status: Maybe[str] = UNSET, purchase_process: Maybe[str] = UNSET,
        decision_maker: Maybe[bool] = UNSET, need: Maybe[str] = UNSET,
        customer_need: Maybe[str] = UNSET, proposed_solution: Maybe[str] = UNSET,
        stakeholders_identified: Maybe[bool] = UNSET, competitors_identified: Maybe[bool] = UNSET,
        sales_team_identified: Maybe[bool] = UNSET, proposal_developed: Maybe[bool] = UNSET,
        internal_review_done: Maybe[bool] = UNSET, proposal_presented: Maybe[bool] = UNSET,
        final_proposal_done: Maybe[bool] = UNSET, final_proposal_presented: Maybe[bool] = UNSET,
        decision_date: Maybe[date | None] = UNSET, thank_you_sent: Maybe[bool] = UNSET,
        debrief_filed: Maybe[bool] = UNSET,
) -> Opportunity:
    """Change fields and fill steps of an open opportunity. Refused while won or lost
    (`record_locked`), for users who may not change it (403), and on a stale version (412).
    Reassigning the owner is for managers and admins. With system-calculated revenue the
    estimated revenue follows the lines and cannot be typed."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    _check_open(opportunity)
    data = given(
        topic=topic, account=account, contact=contact, currency=currency, price_list=price_list,
        source=source, description=description, revenue_source=revenue_source,
        estimated_revenue=estimated_revenue, estimated_close_date=estimated_close_date,
        probability=probability, rating=rating, forecast_category=forecast_category,
        purchase_timeframe=purchase_timeframe, budget_amount=budget_amount,
        budget_status=budget_status, purchase_process=purchase_process,
        decision_maker=decision_maker, need=need, customer_need=customer_need,
        proposed_solution=proposed_solution, stakeholders_identified=stakeholders_identified,
        competitors_identified=competitors_identified,
        sales_team_identified=sales_team_identified, proposal_developed=proposal_developed,
        internal_review_done=internal_review_done, proposal_presented=proposal_presented,
        final_proposal_done=final_proposal_done,
        final_proposal_presented=final_proposal_presented, decision_date=decision_date,
        thank_you_sent=thank_you_sent, debrief_filed=debrief_filed)
    before = snapshot(opportunity)
    old_owner_id = opportunity.owner_id
    new_source = data.get("revenue_source", opportunity.revenue_source)
    if (new_source == RevenueSource.SYSTEM and estimated_revenue is not UNSET
            and estimated_revenue is not None
            and round_money(estimated_revenue) != opportunity.total_line_amount
            and round_money(estimated_revenue) != opportunity.estimated_revenue):
        raise BusinessRuleViolation(
            _("Estimated revenue is the sum of the lines; switch Revenue to user provided "
              "to type it."),
            fields={"estimated_revenue": [_("Calculated from the product lines.")]},
        )
    if estimated_revenue is None:
        data["estimated_revenue"] = ZERO
    if currency:
        data["currency"] = currency.upper()

    def check(opportunity: Opportunity, changed: list[str]) -> list[str]:
        more = []
        if "price_list" in changed and opportunity.price_list is not None:
            if opportunity.currency != opportunity.price_list.currency:
                opportunity.currency = opportunity.price_list.currency
                more.append("currency")
        if "currency" in changed + more and opportunity.lines.exists():
            raise BusinessRuleViolation(
                _("The currency cannot change while the opportunity has product lines."),
                fields={"currency": [_("Remove the lines first.")]},
            )
        _full_clean(opportunity)
        if "revenue_source" in changed and opportunity.revenue_source == RevenueSource.SYSTEM:
            opportunity.estimated_revenue = opportunity.total_line_amount
            more.append("estimated_revenue")
        return more

    reassigned = apply_owner_change(opportunity, actor, None if owner is UNSET else owner)
    opportunity, updated = model_update(
        instance=opportunity, fields=EDITABLE_FIELDS, data=data, validate=check,
        changed=["owner"] if reassigned else [])
    if not updated:
        return opportunity
    record_updated(record=opportunity, actor=actor, before=before)
    if reassigned:
        record_event(record=opportunity, actor=actor, action=EventType.REASSIGNED,
                     data={"from_owner": old_owner_id, "to_owner": opportunity.owner_id})
    return opportunity


# --- business process flow ----------------------------------------------------------------


def _stage_probability(opportunity: Opportunity, before: str) -> int:
    """Moving stage resets the probability to the new stage's default unless the seller had
    set their own figure."""
    if opportunity.probability == StageSetting.probability_for(before):
        return StageSetting.probability_for(opportunity.stage)
    return opportunity.probability


def _gate_message(opportunity: Opportunity, missing: list[str], target: str) -> str:
    labels = {s.field: s.label for s in StageStep.objects.steps_for(opportunity.stage)}
    names = ", ".join(labels.get(f, f) for f in missing)
    return _("Fill in %(steps)s before moving to %(stage)s.") % {
        "steps": names, "stage": _stage_label(target)
    }


def _check_movable(opportunity: Opportunity, expected_stage: str | None) -> None:
    if opportunity.status != Status.OPEN:
        raise TransitionNotAllowed(
            _("Only open opportunities move between stages; this one is %(status)s.")
            % {"status": opportunity.get_status_display().lower()},
            allowed=allowed_actions(opportunity), reason=RefusalReason.WRONG_STATUS,
        )
    if expected_stage and expected_stage != opportunity.stage:
        raise TransitionNotAllowed(
            _("Someone already moved this opportunity to %(stage)s.")
            % {"stage": _stage_label(opportunity.stage)},
            allowed=allowed_actions(opportunity), reason=RefusalReason.STAGE_CHANGED_MEANWHILE,
        )


@transaction.atomic
def opportunity_advance(*, opportunity: Opportunity, actor: User, expected_version: int | str | None = None,
                        expected_stage: str | None = None) -> Opportunity:
    """Move one stage forward. Refused (`transition_not_allowed`) when not open, at the last
    stage, when someone moved it meanwhile (`expected_stage`), or when required steps of the
    current stage are empty (the error lists them in `missing`)."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    _check_movable(opportunity, expected_stage)
    target = opportunity.next_stage
    if target is None:
        raise TransitionNotAllowed(
            _("Close is the last stage: win or lose the opportunity instead."),
            allowed=[a for a in allowed_actions(opportunity) if a != "advance"],
            reason=RefusalReason.LAST_STAGE,
        )
    missing = opportunity.missing_steps()
    if missing:
        raise TransitionNotAllowed(
            _gate_message(opportunity, missing, target),
            allowed=allowed_actions(opportunity), missing=missing,
            reason=RefusalReason.STAGE_STEPS_MISSING,
        )
    before, entered_before = opportunity.stage, opportunity.stage_entered_at
    advance = opportunity.advance_transition()
    assert advance is not None  # there is a next stage: checked above
    advance()
    opportunity.probability = _stage_probability(opportunity, before)
    opportunity.save(update_fields=["stage", "stage_entered_at", "probability"])
    _record_stage_change(opportunity, actor=actor, before=before, entered_before=entered_before)
    record_event(record=opportunity, actor=actor, action=EventType.STAGE_ADVANCED,
                 from_state=before,
                 to_state=opportunity.stage)
    return opportunity


@transaction.atomic
def opportunity_retreat(*, opportunity: Opportunity, actor: User, expected_version: int | str | None = None,
                        expected_stage: str | None = None) -> Opportunity:
    """Move one stage back (no gate). Refused when not open or already at the first stage."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    _check_movable(opportunity, expected_stage)
    if opportunity.previous_stage is None:
        raise TransitionNotAllowed(
            _("Qualify is the first stage; there is no stage before it."),
            allowed=[a for a in allowed_actions(opportunity) if a != "retreat"],
            reason=RefusalReason.FIRST_STAGE,
        )
    before, entered_before = opportunity.stage, opportunity.stage_entered_at
    retreat = opportunity.retreat_transition()
    assert retreat is not None  # there is a previous stage: checked above
    retreat()
    opportunity.probability = _stage_probability(opportunity, before)
    opportunity.save(update_fields=["stage", "stage_entered_at", "probability"])
    _record_stage_change(opportunity, actor=actor, before=before, entered_before=entered_before)
    record_event(record=opportunity, actor=actor, action=EventType.STAGE_RETREATED,
                 from_state=before,
                 to_state=opportunity.stage)
    return opportunity


def opportunity_move_to(*, opportunity: Opportunity, actor: User, stage: str,
                        expected_stage: str | None = None) -> Opportunity:
    """The board's drop: only to the next stage (gated) or the previous one."""
    if stage not in Stage.values:
        raise ValidationError({"stage": [_("Unknown stage.")]})
    current = expected_stage or opportunity.stage
    if stage == current:
        return opportunity
    probe = Opportunity(stage=current)
    if stage == probe.next_stage:
        return opportunity_advance(opportunity=opportunity, actor=actor,
                                   expected_stage=expected_stage)
    if stage == probe.previous_stage:
        return opportunity_retreat(opportunity=opportunity, actor=actor,
                                   expected_stage=expected_stage)
    raise TransitionNotAllowed(
        _("An opportunity moves one stage at a time: from %(from)s only to the next or the "
          "previous stage.") % {"from": _stage_label(current)},
        allowed=allowed_actions(opportunity), reason=RefusalReason.ONE_STAGE_AT_A_TIME,
    )


@transaction.atomic
def opportunity_put_on_hold(*, opportunity: Opportunity, actor: User,
                            expected_version: int | str | None = None) -> Opportunity:
    """Status reason in progress -> on hold (open opportunities only)."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    if opportunity.status_reason != StatusReason.IN_PROGRESS:
        raise TransitionNotAllowed(_("Only an open opportunity in progress can be put on hold."),
                                   allowed=allowed_actions(opportunity),
                                   reason=RefusalReason.WRONG_STATUS)
    opportunity.put_on_hold()
    opportunity.save(update_fields=["status_reason"])
    record_event(record=opportunity, actor=actor, action=EventType.PUT_ON_HOLD,
                 from_state=StatusReason.IN_PROGRESS, to_state=StatusReason.ON_HOLD)
    return opportunity


@transaction.atomic
def opportunity_resume(*, opportunity: Opportunity, actor: User,
                       expected_version: int | str | None = None) -> Opportunity:
    """Status reason on hold -> in progress."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    if opportunity.status_reason != StatusReason.ON_HOLD:
        raise TransitionNotAllowed(_("The opportunity is not on hold."),
                                   allowed=allowed_actions(opportunity),
                                   reason=RefusalReason.WRONG_STATUS)
    opportunity.resume()
    opportunity.save(update_fields=["status_reason"])
    record_event(record=opportunity, actor=actor, action=EventType.RESUMED,
                 from_state=StatusReason.ON_HOLD, to_state=StatusReason.IN_PROGRESS)
    return opportunity


# --- close and reopen -----------------------------------------------------------------------


def _check_closable(opportunity: Opportunity) -> None:
    if opportunity.status != Status.OPEN:
        raise TransitionNotAllowed(
            _("This opportunity is already %(status)s. Reopen it first.")
            % {"status": opportunity.get_status_display().lower()},
            allowed=allowed_actions(opportunity), reason=RefusalReason.ALREADY_CLOSED,
        )


@transaction.atomic
def opportunity_win(*, opportunity: Opportunity, actor: User,
                    actual_revenue: Decimal | str | None = None, close_date: date | None = None,
                    note: str = "", close_quotes: bool = False,
                    winning_quote: models.Model | None = None,
                    expected_version: int | str | None = None) -> Opportunity:
    """Close as won: actual revenue (default: the estimated revenue), close date (default:
    today), a close record and a `won` event; forecast category becomes `won` and the record
    read-only. The close guards (hooks.close_guards) refuse when open quotes remain unless
    `close_quotes`, which closes them (except `winning_quote`)."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    _check_closable(opportunity)
    if actual_revenue is None or actual_revenue == "":
        actual_revenue = opportunity.estimated_revenue
    actual_revenue = round_money(actual_revenue)
    if actual_revenue < 0:
        raise BusinessRuleViolation(_("Actual revenue cannot be negative."),
                                    fields={"actual_revenue": [_("Must be zero or more.")]})
    close_date = close_date or timezone.localdate()
    run_close_guards(opportunity=opportunity, actor=actor, outcome=CloseOutcome.WON,
                     close_quotes=close_quotes, winning_quote=winning_quote)
    opportunity.win(actual_revenue=actual_revenue, close_date=close_date)
    opportunity.save(update_fields=["status", "status_reason", "actual_revenue",
                                    "actual_close_date", "forecast_category", "probability"])
    CloseRecord.objects.create(
        opportunity=opportunity, outcome=CloseOutcome.WON, status_reason=StatusReason.WON,
        actual_revenue=actual_revenue, close_date=close_date, note=note or "",
        actor=actor if getattr(actor, "pk", None) else None,
    )
    record_event(record=opportunity, actor=actor, action=EventType.WON, from_state=Status.OPEN,
                 to_state=Status.WON, note=note,
                 data={"actual_revenue": str(actual_revenue), "close_date": str(close_date)})
    return opportunity


@transaction.atomic
def opportunity_lose(*, opportunity: Opportunity, actor: User, reason: str, competitor: str = "",
                     note: str = "", close_quotes: bool = False, close_date: date | None = None,
                     expected_version: int | str | None = None) -> Opportunity:
    """Close as lost with reason `canceled` or `out_sold` (and the competitor it was lost to):
    a close record and a `lost` event; forecast category becomes `lost`. Open quotes block it
    unless `close_quotes` (they are closed as lost)."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    _check_closable(opportunity)
    if reason not in LOSE_REASONS:
        raise BusinessRuleViolation(
            _("Choose why it was lost: canceled or out-sold."),
            fields={"reason": [_("Must be one of: canceled, out_sold.")]},
        )
    close_date = close_date or timezone.localdate()
    run_close_guards(opportunity=opportunity, actor=actor, outcome=CloseOutcome.LOST,
                     close_quotes=close_quotes, winning_quote=None)
    opportunity.lose(reason=reason, close_date=close_date)
    opportunity.save(update_fields=["status", "status_reason", "actual_revenue",
                                    "actual_close_date", "forecast_category", "probability"])
    CloseRecord.objects.create(
        opportunity=opportunity, outcome=CloseOutcome.LOST, status_reason=reason,
        actual_revenue=ZERO, close_date=close_date, competitor=competitor or "",
        note=note or "", actor=actor if getattr(actor, "pk", None) else None,
    )
    record_event(record=opportunity, actor=actor, action=EventType.LOST, from_state=Status.OPEN,
                 to_state=Status.LOST, note=note,
                 data={"reason": reason, "competitor": competitor or ""})
    return opportunity


@transaction.atomic
def opportunity_reopen(*, opportunity: Opportunity, actor: User,
                       expected_version: int | str | None = None) -> Opportunity:
    """Won or lost -> open (in progress) in the stage it had; the close record stays, marked
    reopened; the forecast category returns to `pipeline`."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_version(opportunity, expected_version)
    if opportunity.status == Status.OPEN:
        raise TransitionNotAllowed(_("This opportunity is already open."),
                                   allowed=allowed_actions(opportunity),
                                   reason=RefusalReason.ALREADY_OPEN)
    before = opportunity.status
    opportunity.reopen(probability=StageSetting.probability_for(opportunity.stage))
    opportunity.save(update_fields=["status", "status_reason", "actual_revenue",
                                    "actual_close_date", "forecast_category", "probability"])
    CloseRecord.objects.filter(opportunity=opportunity, reopened_at__isnull=True).update(
        reopened_at=timezone.now()
    )
    record_event(record=opportunity, actor=actor, action=EventType.REOPENED, from_state=before,
                 to_state=Status.OPEN)
    return opportunity


# --- product lines --------------------------------------------------------------------------


def _price_from_list(opportunity: Opportunity, product: Product | None) -> Decimal | None:
    if opportunity.price_list_id is None:
        return None
    return (
        PriceListItem.objects.filter(price_list_id=opportunity.price_list_id, product=product)
        .values_list("unit_price", flat=True).first()
    )


def _compute(line: OpportunityLine) -> None:
    try:
        totals = line_totals(quantity=line.quantity, unit_price=line.unit_price,
                             manual_discount=line.manual_discount, tax_rate=line.tax_rate)
    except PricingError as exc:
        raise BusinessRuleViolation(str(exc), fields={exc.field or "non_field_errors": [str(exc)]})
    line.amount = totals.amount
    line.tax = totals.tax


def _resolve_price(opportunity: Opportunity, line: OpportunityLine,
                   unit_price: Decimal | str | None) -> None:
    """Catalog price from the opportunity's price list unless overridden (write-ins always
    carry their own price)."""
    product = line.product if line.product_id is not None else None
    if product is not None:
        list_price = _price_from_list(opportunity, product)
        if unit_price in (None, ""):
            if list_price is None:
                price_list = opportunity.price_list
                name = price_list.name if price_list is not None else None
                message = (
                    _("%(product)s is not on the price list %(list)s; enter a price to "
                      "override.") % {"product": product.name, "list": name}
                    if name else _("The opportunity has no price list; enter a unit price.")
                )
                raise BusinessRuleViolation(message, fields={"unit_price": [message]},
                                            reason=RefusalReason.PRICE_NOT_LISTED)
            line.unit_price = list_price
            line.price_overridden = False
        else:
            line.unit_price = round_money(unit_price)
            line.price_overridden = list_price is None or line.unit_price != list_price
    else:
        if unit_price in (None, ""):
            raise BusinessRuleViolation(
                _("A write-in product needs a unit price."),
                fields={"unit_price": [_("Enter the price per unit.")]},
            )
        line.unit_price = round_money(unit_price)
        line.price_overridden = True


@transaction.atomic
def opportunity_line_add(
        *, opportunity: Opportunity, actor: User, product: Product | None = None,
        write_in_name: str = "", quantity: Decimal | int | str = Decimal("1"),
        unit_price: Decimal | str | None = None, manual_discount: Decimal | None = ZERO,
        tax_rate: Decimal | str | None = None, description: str = "",
        sort_order: int | None = None,
) -> OpportunityLine:
    """Add a catalog product (priced from the opportunity's price list unless `unit_price`
    overrides it) or a write-in; totals per PROCESS.md "Money"; system revenue follows."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    _check_open(opportunity)
    write_in_name = (write_in_name or "").strip()
    if product is None and not write_in_name:
        raise BusinessRuleViolation(
            _("Choose a product or type a write-in name."),
            fields={"product": [_("Choose a product or type a write-in name.")]},
        )
    if product is not None and write_in_name:
        raise BusinessRuleViolation(
            _("A line is either a catalog product or a write-in, not both."),
            fields={"write_in_name": [_("Leave empty when a product is chosen.")]},
        )
    if tax_rate in (None, ""):
        default_rate = product.default_tax_rate if product is not None else None
        rate = default_rate.rate if default_rate is not None else ZERO
        tax_rate = rate  # as precise as the catalog's rate (crm.catalog.models.TAX_RATE)
    if sort_order is None:
        sort_order = (opportunity.lines.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    line = OpportunityLine(
        opportunity=opportunity, product=product, write_in_name=write_in_name,
        description=description or "", quantity=to_decimal(quantity),
        manual_discount=round_money(manual_discount or ZERO), tax_rate=to_decimal(tax_rate),
        sort_order=sort_order,
    )
    _resolve_price(opportunity, line, unit_price)
    _compute(line)
    line.save()
    _recalculate(opportunity)
    record_event(record=opportunity, actor=actor, action=EventType.LINE_ADDED,
                 data={"line": line.pk, "name": line.name, "amount": str(line.amount)})
    return line


LINE_FIELDS = ["quantity", "unit_price", "manual_discount", "tax_rate", "description",
               "sort_order", "write_in_name", "product"]


@transaction.atomic
def opportunity_line_update(
        *, line: OpportunityLine, actor: User, product: Maybe[Product | None] = UNSET,
        write_in_name: Maybe[str | None] = UNSET, quantity: Maybe[Decimal | None] = UNSET,
        unit_price: Maybe[Decimal | None] = UNSET, manual_discount: Maybe[Decimal | None] = UNSET,
        tax_rate: Maybe[Decimal | None] = UNSET, description: Maybe[str | None] = UNSET,
        sort_order: Maybe[int | None] = UNSET,
) -> OpportunityLine:
    """Change a line's quantity, price, discount, tax or description; totals follow.
    `unit_price=None` goes back to the catalog price; other None values keep the line's."""
    data = given(product=product, write_in_name=write_in_name, quantity=quantity,
                 unit_price=unit_price, manual_discount=manual_discount, tax_rate=tax_rate,
                 description=description, sort_order=sort_order)
    opportunity = _lock(line.opportunity)
    check_can_change(actor, opportunity)
    _check_open(opportunity)
    line = OpportunityLine.objects.select_related("product").get(pk=line.pk)
    product_changed = "product" in data and (
        (data["product"].pk if data["product"] else None) != line.product_id
    )
    if product_changed:
        line.product = data["product"]
    if "write_in_name" in data:
        line.write_in_name = (data["write_in_name"] or "").strip()
    if line.product_id is None and not line.write_in_name:
        raise BusinessRuleViolation(_("Choose a product or type a write-in name."),
                                    fields={"product": [_("Required.")]})
    if line.product_id is not None and line.write_in_name:
        raise BusinessRuleViolation(
            _("A line is either a catalog product or a write-in, not both."),
            fields={"write_in_name": [_("Leave empty when a product is chosen.")]},
        )
    for name in ("quantity", "manual_discount", "tax_rate"):
        if name in data and data[name] is not None:
            setattr(line, name, to_decimal(data[name]))
    for name in ("description", "sort_order"):
        if name in data and data[name] is not None:
            setattr(line, name, data[name])
    if "unit_price" in data or product_changed:
        _resolve_price(opportunity, line, data.get("unit_price"))
    _compute(line)
    line.save()
    _recalculate(opportunity)
    return line


@transaction.atomic
def opportunity_line_remove(*, line: OpportunityLine, actor: User) -> None:
    opportunity = _lock(line.opportunity)
    check_can_change(actor, opportunity)
    _check_open(opportunity)
    name = line.name
    line.delete()
    _recalculate(opportunity)
    record_event(record=opportunity, actor=actor, action=EventType.LINE_REMOVED,
                 data={"name": name})


def _recalculate(opportunity: Opportunity) -> Opportunity:
    sums = OpportunityLine.objects.filter(opportunity=opportunity).aggregate(
        amount=Sum("amount"), tax=Sum("tax")
    )
    opportunity.total_line_amount = sums["amount"] or ZERO
    opportunity.total_tax = sums["tax"] or ZERO
    fields = ["total_line_amount", "total_tax"]
    if opportunity.revenue_source == RevenueSource.SYSTEM:
        opportunity.estimated_revenue = opportunity.total_line_amount
        fields.append("estimated_revenue")
    opportunity.save(update_fields=fields)
    return opportunity


@transaction.atomic
def opportunity_recalculate_revenue(*, opportunity: Opportunity,
                                    actor: User | None = None) -> Opportunity:
    """Recompute the line totals and, with system-calculated revenue, the estimated revenue.
    Closed opportunities keep their figures."""
    opportunity = _lock(opportunity)
    if actor is not None:
        check_can_change(actor, opportunity)
    if opportunity.status != Status.OPEN:
        return opportunity
    return _recalculate(opportunity)


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor: User) -> None:
    """Delete an opportunity with its lines and history. Refused (`record_in_use`) while
    other records (quotes, orders) still point at it."""
    opportunity = _lock(opportunity)
    check_can_change(actor, opportunity)
    record_deleted(record=opportunity, actor=actor)
    try:
        delete_or_refuse(opportunity)
    except RecordInUse as exc:
        raise RecordInUse(_("This opportunity has quotes or orders; close it instead of "
                            "deleting it."), **exc.extra) from None
