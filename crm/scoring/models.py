"""Lead and opportunity scoring (PROCESS.md, "Scoring").

A `ScoringModel` row is one trained version of one kind's model: its figures (AUC, Brier score,
the base rate's Brier score, reliability bins, training and test sizes) and, in `parameters`,
everything needed to score a record without scikit-learn at request time (the feature bins,
one-hot categories, coefficients and intercept). `LeadScore` / `OpportunityScore` hold the latest
score of one open record with its top three factors; `score` is null when there is no model yet
("not enough history to score").
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScoringKind(models.TextChoices):
    LEAD = "lead", _("Lead")
    OPPORTUNITY = "opportunity", _("Opportunity")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class ScoringModel(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ScoringKind.choices)
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained"), default=timezone.now)
    train_size = models.PositiveIntegerField(_("training records"), default=0)
    test_size = models.PositiveIntegerField(_("test records"), default=0)
    auc = models.FloatField(_("AUC"), null=True, blank=True)
    brier = models.FloatField(_("Brier score"), null=True, blank=True)
    base_rate_brier = models.FloatField(_("base rate Brier score"), null=True, blank=True)
    # [{"lower": 0.0, "upper": 0.1, "count": n, "predicted": mean p, "observed": rate}, ...]
    reliability = models.JSONField(_("reliability bins"), default=list, blank=True)
    # Everything the scorer needs: features (bins / categories), coefficients, intercept.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=False)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="scoring_model_kind_version"),
            models.UniqueConstraint(fields=["kind"], condition=models.Q(active=True),
                                    name="scoring_model_one_active_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class ScoreBase(models.Model):
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, db_index=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    # Top three factors, signed effects in score points: [{"label": str, "effect": int}, ...]
    factors = models.JSONField(_("factors"), default=list, blank=True)
    model = models.ForeignKey(ScoringModel, verbose_name=_("model"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(_("scored"), default=timezone.now)

    class Meta:
        abstract = True


class LeadScore(ScoreBase):
    lead = models.OneToOneField("leads.Lead", primary_key=True, on_delete=models.CASCADE,
                                related_name="score_row")

    class Meta:
        verbose_name = _("lead score")


class OpportunityScore(ScoreBase):
    opportunity = models.OneToOneField("opportunities.Opportunity", primary_key=True,
                                       on_delete=models.CASCADE, related_name="score_row")

    class Meta:
        verbose_name = _("opportunity score")


class ScoringSwitch(models.Model):
    """The one row holding the on/off switch of the admin page (pk=1)."""

    enabled = models.BooleanField(_("scoring on"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scoring switch")

    def __str__(self) -> str:
        return "on" if self.enabled else "off"


class CloseDateSlip(models.Model):
    """An opportunity's estimated close date moved later (a "slip"), kept for the scoring
    features: the automation outbox that records field changes is purged after 30 days, the
    models learn from years of history. Written in the same transaction as the change."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE,
                                    related_name="close_date_slips")
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField()
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["opportunity", "occurred_at"],
                                name="scoring_slip_opp_idx")]
