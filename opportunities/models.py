"""Opportunity, its product lines, the business process flow (stages + gated steps), the stage
history and the close records (PROCESS.md, "Opportunity and its business process flow").

State lives in three protected django-fsm fields: `status` (open/won/lost), `status_reason`
(in_progress/on_hold/won/canceled/out_sold) and `stage` (qualify/develop/propose/close). The
transition methods below only change in-memory fields; `opportunities.services` locks the row,
checks the business rules, runs them and saves.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from crm.catalog.models import LINE_QUANTITY, TAX_RATE
from crm.common.fsm import StateMachineMixin
from crm.common.models import ActivityRollupFields, BaseModel

# The qualify-stage steps share the lead's vocabulary, so the values copy across on qualify.
from leads.models import (  # noqa: F401 (re-exported for forms, filters and the API)
    BudgetStatus,
    LeadSource,
    Need,
    PurchaseProcess,
    PurchaseTimeframe,
    Rating,
)

ZERO = Decimal("0.00")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class StatusReason(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    WON = "won", _("Won")
    CANCELED = "canceled", _("Canceled")
    OUT_SOLD = "out_sold", _("Out-sold")


OPEN_REASONS = [StatusReason.IN_PROGRESS, StatusReason.ON_HOLD]
LOSE_REASONS = [StatusReason.CANCELED, StatusReason.OUT_SOLD]


class Stage(models.TextChoices):
    QUALIFY = "qualify", _("Qualify")
    DEVELOP = "develop", _("Develop")
    PROPOSE = "propose", _("Propose")
    CLOSE = "close", _("Close")


STAGE_ORDER = [Stage.QUALIFY, Stage.DEVELOP, Stage.PROPOSE, Stage.CLOSE]
DEFAULT_PROBABILITY = {Stage.QUALIFY: 10, Stage.DEVELOP: 30, Stage.PROPOSE: 60, Stage.CLOSE: 80}


def stage_index(stage: str) -> int:
    return STAGE_ORDER.index(stage)


def next_stage(stage: str) -> str | None:
    i = stage_index(stage)
    return STAGE_ORDER[i + 1] if i + 1 < len(STAGE_ORDER) else None


def previous_stage(stage: str) -> str | None:
    i = stage_index(stage)
    return STAGE_ORDER[i - 1] if i > 0 else None


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMITTED = "committed", _("Committed")
    OMITTED = "omitted", _("Omitted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_FORECAST_CATEGORIES = [
    ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMITTED,
    ForecastCategory.OMITTED,
]



class RevenueSource(models.TextChoices):
    SYSTEM = "system", _("System calculated (sum of lines)")
    USER = "user", _("User provided")






def format_duration(value: timedelta | None) -> str:
    """"3 d 4 h", "2 h 5 min", "40 s": time in stage, short."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


class OpportunityQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Status.OPEN)

    def closing_between(self, start, end):
        return self.filter(estimated_close_date__gte=start, estimated_close_date__lte=end)


def _is_open(opportunity) -> bool:
    return opportunity.status == Status.OPEN


def _gate_passed(opportunity) -> bool:
    return not opportunity.missing_steps()


class Opportunity(StateMachineMixin, ActivityRollupFields, BaseModel):
    topic = models.CharField(_("topic"), max_length=300)
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="opportunities",
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="opportunities",
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    price_list = models.ForeignKey(
        "catalog.PriceList", verbose_name=_("price list"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="opportunities",
    )
    source = models.CharField(_("source"), max_length=30, blank=True, choices=LeadSource.choices)
    originating_lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("originating lead"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    description = models.TextField(_("summary"), blank=True)

    # Revenue and forecast
    revenue_source = models.CharField(
        _("revenue"), max_length=10, choices=RevenueSource.choices, default=RevenueSource.USER
    )
    estimated_revenue = models.DecimalField(
        _("estimated revenue"), max_digits=18, decimal_places=2, default=ZERO,
        validators=[MinValueValidator(0)],
    )
    estimated_close_date = models.DateField(_("estimated close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), default=10, validators=[MaxValueValidator(100)]
    )
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices,
                              default=Rating.WARM)
    forecast_category = models.CharField(
        _("forecast category"), max_length=12, choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    actual_revenue = models.DecimalField(_("actual revenue"), max_digits=18, decimal_places=2,
                                         null=True, blank=True)
    actual_close_date = models.DateField(_("actual close date"), null=True, blank=True)
    # Totals of the product lines, kept by opportunity_recalculate_revenue.
    total_line_amount = models.DecimalField(_("lines amount"), max_digits=18, decimal_places=2,
                                            default=ZERO, editable=False)
    total_tax = models.DecimalField(_("lines tax"), max_digits=18, decimal_places=2,
                                    default=ZERO, editable=False)

    # State
    status = FSMField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN,
                      protected=True)
    status_reason = FSMField(_("status reason"), max_length=12, choices=StatusReason.choices,
                             default=StatusReason.IN_PROGRESS, protected=True)
    stage = FSMField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.QUALIFY,
                     protected=True)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)

    # Qualify steps (contact and account above, description is the summary)
    purchase_timeframe = models.CharField(_("purchase timeframe"), max_length=20, blank=True,
                                          choices=PurchaseTimeframe.choices)
    budget_amount = models.DecimalField(_("budget"), max_digits=18, decimal_places=2,
                                        null=True, blank=True)
    budget_status = models.CharField(_("budget status"), max_length=30, blank=True,
                                     choices=BudgetStatus.choices)
    purchase_process = models.CharField(_("purchase process"), max_length=20, blank=True,
                                        choices=PurchaseProcess.choices)
    decision_maker = models.BooleanField(_("decision maker identified"), default=False)
    need = models.CharField(_("need"), max_length=20, blank=True, choices=Need.choices)
    # Develop steps
    customer_need = models.TextField(_("customer need"), blank=True)
    proposed_solution = models.TextField(_("proposed solution"), blank=True)
    stakeholders_identified = models.BooleanField(_("stakeholders identified"), default=False)
    competitors_identified = models.BooleanField(_("competitors identified"), default=False)
    # Propose steps
    sales_team_identified = models.BooleanField(_("sales team identified"), default=False)
    proposal_developed = models.BooleanField(_("proposal developed"), default=False)
    internal_review_done = models.BooleanField(_("internal review done"), default=False)
    proposal_presented = models.BooleanField(_("proposal presented"), default=False)
    # Close steps
    final_proposal_done = models.BooleanField(_("final proposal done"), default=False)
    final_proposal_presented = models.BooleanField(_("final proposal presented"), default=False)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    thank_you_sent = models.BooleanField(_("thank-you sent"), default=False)
    debrief_filed = models.BooleanField(_("debrief filed"), default=False)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "status", "stage"], name="opp_owner_status_stage_idx"),
            models.Index(fields=["status", "stage", "-estimated_revenue"],
                         name="opp_status_stage_rev_idx"),
            models.Index(fields=["status", "estimated_close_date"], name="opp_status_close_idx"),
            # With id: the list's default sort (close date, id) for a team's owners is read from
            # the index alone (ListPageView.page_by_ids), not from every row of the team.
            models.Index(fields=["owner", "estimated_close_date", "id"],
                         name="opp_owner_close_id_idx"),
            models.Index(fields=["forecast_category", "estimated_close_date"],
                         name="opp_forecast_close_idx"),
            models.Index(fields=["actual_close_date"], name="opp_actual_close_idx"),
            models.Index(fields=["-created_at", "-id"], name="opp_created_idx"),
            models.Index(fields=["topic", "id"], name="opp_topic_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(probability__gte=0) & Q(probability__lte=100),
                                   name="opp_probability_0_100"),
            models.CheckConstraint(condition=Q(estimated_revenue__gte=0),
                                   name="opp_estimated_revenue_nonneg"),
        ]

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("opportunity-detail", args=[self.pk])

    @property
    def name(self) -> str:
        return self.topic

    @property
    def originating_lead_url(self) -> str:
        if not self.originating_lead_id:
            return ""
        try:
            return reverse("lead-detail", args=[self.originating_lead_id])
        except NoReverseMatch:
            return ""

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status != Status.OPEN

    @property
    def pipeline_phase(self) -> str:
        """The stored code (API): "2-develop". People read `stage_label` instead."""
        return f"{stage_index(self.stage) + 1}-{self.stage}"

    @property
    def stage_label(self) -> str:
        """The stage as people read it, numbered like the process bar: "2. Develop"."""
        return f"{stage_index(self.stage) + 1}. {self.get_stage_display()}"

    @property
    def customer(self):
        return self.account or self.contact

    @property
    def total_amount(self) -> Decimal:
        return self.total_line_amount + self.total_tax

    @property
    def time_in_stage(self) -> timedelta:
        return timezone.now() - self.stage_entered_at

    @property
    def next_stage(self) -> str | None:
        return next_stage(self.stage)

    @property
    def previous_stage(self) -> str | None:
        return previous_stage(self.stage)

    @property
    def next_stage_label(self) -> str:
        target = self.next_stage
        return str(Stage(target).label) if target else ""

    @property
    def previous_stage_label(self) -> str:
        target = self.previous_stage
        return str(Stage(target).label) if target else ""

    # --- the business process flow -------------------------------------------------------

    def step_is_filled(self, field: str) -> bool:
        value = getattr(self, field)
        if isinstance(value, bool):
            return value
        if field in ("account", "contact"):
            return getattr(self, f"{field}_id") is not None
        return value not in (None, "")

    def missing_steps(self, steps=None) -> list[str]:
        """Field names of the required steps of the current stage that are not filled."""
        if steps is None:
            steps = StageStep.objects.steps_for(self.stage)
        missing = []
        for step in steps:
            if not step.required or step.stage != self.stage:
                continue
            if self.step_is_filled(step.field):
                continue
            if step.alternative and self.step_is_filled(step.alternative):
                continue
            missing.append(step.field)
        return missing

    # --- transitions (in memory only; the services save) ---------------------------------

    def _enter_stage(self):
        self.stage_entered_at = timezone.now()

    @transition(field=stage, source=Stage.QUALIFY, target=Stage.DEVELOP,
                conditions=[_is_open, _gate_passed])
    def advance_to_develop(self):
        self._enter_stage()

    @transition(field=stage, source=Stage.DEVELOP, target=Stage.PROPOSE,
                conditions=[_is_open, _gate_passed])
    def advance_to_propose(self):
        self._enter_stage()

    @transition(field=stage, source=Stage.PROPOSE, target=Stage.CLOSE,
                conditions=[_is_open, _gate_passed])
    def advance_to_close(self):
        self._enter_stage()

    @transition(field=stage, source=Stage.DEVELOP, target=Stage.QUALIFY, conditions=[_is_open])
    def retreat_to_qualify(self):
        self._enter_stage()

    @transition(field=stage, source=Stage.PROPOSE, target=Stage.DEVELOP, conditions=[_is_open])
    def retreat_to_develop(self):
        self._enter_stage()

    @transition(field=stage, source=Stage.CLOSE, target=Stage.PROPOSE, conditions=[_is_open])
    def retreat_to_propose(self):
        self._enter_stage()

    def advance_transition(self) -> Callable[[], None] | None:
        """The bound django-fsm method moving one stage forward (None at the last stage)."""
        target = self.next_stage
        return getattr(self, f"advance_to_{target}") if target else None

    def retreat_transition(self) -> Callable[[], None] | None:
        target = self.previous_stage
        return getattr(self, f"retreat_to_{target}") if target else None

    @transition(field=status_reason, source=OPEN_REASONS, target=StatusReason.WON)
    def _reason_won(self):
        pass

    @transition(field=status_reason, source=OPEN_REASONS, target=StatusReason.CANCELED)
    def _reason_canceled(self):
        pass

    @transition(field=status_reason, source=OPEN_REASONS, target=StatusReason.OUT_SOLD)
    def _reason_out_sold(self):
        pass

    @transition(field=status_reason, source=[StatusReason.WON, *LOSE_REASONS],
                target=StatusReason.IN_PROGRESS)
    def _reason_reopened(self):
        pass

    @transition(field=status_reason, source=StatusReason.IN_PROGRESS,
                target=StatusReason.ON_HOLD, conditions=[_is_open])
    def put_on_hold(self):
        pass

    @transition(field=status_reason, source=StatusReason.ON_HOLD,
                target=StatusReason.IN_PROGRESS, conditions=[_is_open])
    def resume(self):
        pass

    @transition(field=status, source=Status.OPEN, target=Status.WON)
    def win(self, *, actual_revenue, close_date):
        self._reason_won()
        self.actual_revenue = actual_revenue
        self.actual_close_date = close_date
        self.forecast_category = ForecastCategory.WON
        self.probability = 100

    @transition(field=status, source=Status.OPEN, target=Status.LOST)
    def lose(self, *, reason, close_date):
        if reason == StatusReason.CANCELED:
            self._reason_canceled()
        else:
            self._reason_out_sold()
        self.actual_revenue = ZERO
        self.actual_close_date = close_date
        self.forecast_category = ForecastCategory.LOST
        self.probability = 0

    @transition(field=status, source=[Status.WON, Status.LOST], target=Status.OPEN)
    def reopen(self, *, probability):
        self._reason_reopened()
        self.actual_revenue = None
        self.actual_close_date = None
        self.forecast_category = ForecastCategory.PIPELINE
        self.probability = probability


class OpportunityLine(models.Model):
    """A product line: a catalog product from the opportunity's price list, or a write-in."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    write_in_name = models.CharField(_("write-in product"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **LINE_QUANTITY, default=Decimal("1.00"))
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    price_overridden = models.BooleanField(_("price overridden"), default=False)
    manual_discount = models.DecimalField(_("manual discount"), max_digits=18, decimal_places=2,
                                          default=ZERO)
    tax_rate = models.DecimalField(_("tax rate (%)"), **TAX_RATE, default=ZERO)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=ZERO,
                                 editable=False)
    tax = models.DecimalField(_("tax"), max_digits=18, decimal_places=2, default=ZERO,
                              editable=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["opportunity", "sort_order"], name="oppline_order_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | ~Q(write_in_name=""),
                name="oppline_product_or_write_in",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="oppline_quantity_pos"),
            models.CheckConstraint(condition=Q(manual_discount__gte=0),
                                   name="oppline_discount_nonneg"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100),
                                   name="oppline_tax_rate_0_100"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if self.product_id:
            return self.product.name
        return self.write_in_name

    @property
    def is_write_in(self) -> bool:
        return self.product_id is None

    @property
    def base_amount(self) -> Decimal:
        return self.amount + self.manual_discount


class StageChange(models.Model):
    """One move of an opportunity between stages: who, when, from, to, and how long it had
    stayed in the stage it left (time in stage, velocity)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE,
                                    related_name="stage_changes")
    from_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    time_in_previous_stage = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["opportunity", "-changed_at"], name="stagechange_opp_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_stage_idx"),
        ]

    def __str__(self):
        return f"{self.opportunity_id}: {self.from_stage or '-'} -> {self.to_stage}"

    @property
    def time_in_previous_stage_display(self) -> str:
        return format_duration(self.time_in_previous_stage)

    @property
    def is_forward(self) -> bool:
        return not self.from_stage or stage_index(self.to_stage) > stage_index(self.from_stage)


class CloseOutcome(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class CloseRecord(models.Model):
    """The details of a win or a loss; kept after a reopen (with `reopened_at` set)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE,
                                    related_name="close_records")
    outcome = models.CharField(max_length=4, choices=CloseOutcome.choices)
    status_reason = models.CharField(max_length=12, choices=StatusReason.choices)
    actual_revenue = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)
    close_date = models.DateField()
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "-created_at"], name="close_opp_idx")]

    def __str__(self):
        return f"{self.opportunity_id} {self.outcome} {self.close_date}"


class StepType(models.TextChoices):
    BOOLEAN = "boolean", _("Yes/no (must be yes)")
    TEXT = "text", _("Text")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")


# The opportunity fields a step may point at, with their type (the admin picks from these).
STEP_FIELDS = {
    "contact": StepType.CONTACT,
    "account": StepType.ACCOUNT,
    "purchase_timeframe": StepType.CHOICE,
    "budget_amount": StepType.TEXT,
    "purchase_process": StepType.CHOICE,
    "decision_maker": StepType.BOOLEAN,
    "description": StepType.TEXT,
    "need": StepType.CHOICE,
    "customer_need": StepType.TEXT,
    "proposed_solution": StepType.TEXT,
    "stakeholders_identified": StepType.BOOLEAN,
    "competitors_identified": StepType.BOOLEAN,
    "sales_team_identified": StepType.BOOLEAN,
    "proposal_developed": StepType.BOOLEAN,
    "internal_review_done": StepType.BOOLEAN,
    "proposal_presented": StepType.BOOLEAN,
    "final_proposal_done": StepType.BOOLEAN,
    "final_proposal_presented": StepType.BOOLEAN,
    "decision_date": StepType.DATE,
    "thank_you_sent": StepType.BOOLEAN,
    "debrief_filed": StepType.BOOLEAN,
    "estimated_close_date": StepType.DATE,
}


class StageStepQuerySet(models.QuerySet):
    def steps_for(self, stage: str) -> list["StageStep"]:
        return list(self.filter(stage=stage).order_by("order", "id"))


class StageStep(models.Model):
    """A step of a stage of the business process flow; an admin decides which are required."""

    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    stage_order = models.PositiveSmallIntegerField(default=0, editable=False)
    field = models.CharField(_("opportunity field"), max_length=40,
                             choices=[(f, f) for f in STEP_FIELDS])
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=StepType.choices)
    required = models.BooleanField(_("required"), default=False)
    # Another field that satisfies this step when filled ("account or contact").
    alternative = models.CharField(_("or instead"), max_length=40, blank=True,
                                   choices=[(f, f) for f in STEP_FIELDS])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = StageStepQuerySet.as_manager()

    class Meta:
        ordering = ["stage_order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "field"], name="stagestep_unique_field"),
        ]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.label}"

    def save(self, *args, **kwargs):
        self.stage_order = stage_index(self.stage)
        self.type = STEP_FIELDS.get(self.field, self.type)
        super().save(*args, **kwargs)

    def clean(self):
        if self.alternative and self.alternative == self.field:
            raise ValidationError({"alternative": _("Choose another field than the step's own.")})


class StageSetting(models.Model):
    """Per-stage settings an admin can edit: the default probability (10/30/60/80)."""

    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, unique=True)
    default_probability = models.PositiveSmallIntegerField(
        _("default probability (%)"), validators=[MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.default_probability}%"

    @staticmethod
    def probability_for(stage: str) -> int:
        setting = StageSetting.objects.filter(stage=stage).first()
        return setting.default_probability if setting else DEFAULT_PROBABILITY[stage]


class StageTimeRollup(models.Model):
    """Time spent in each stage before leaving it, summed per owner: the pipeline board's
    velocity ("avg 12 days") without scanning the stage history on each request.

    Kept current by each stage change (`services._record_stage_change`) and rebuilt from the
    history nightly by Celery (`opportunities.rebuild_stage_rollup`), which also moves the
    figures of reassigned opportunities to their new owner."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    moves = models.PositiveIntegerField(default=0)
    total_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "stage"], name="stagetime_owner_stage_uniq"),
        ]

    def __str__(self):
        return f"{self.owner_id} {self.stage}: {self.moves} moves"
