"""Quotas, manager adjustments (append-only history) and daily forecast snapshots.

A forecast period is a calendar month or a fiscal quarter (`crm.insights.periods`), stored as
its type and first day so that a change of the fiscal year start does not rename old rows.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.models import BaseModel
from crm.insights.periods import MONTH, QUARTER, Period, month_period, quarter_containing

ZERO = Decimal("0.00")


class PeriodType(models.TextChoices):
    MONTH = MONTH, _("Month")
    QUARTER = QUARTER, _("Quarter")


def _money(verbose: Any, **kwargs: Any) -> "models.DecimalField[Any, Decimal]":
    return models.DecimalField(verbose, max_digits=18, decimal_places=2, **kwargs)


class PeriodFields(models.Model):
    period_type = models.CharField(_("period type"), max_length=7, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))

    class Meta:
        abstract = True

    @property
    def period(self) -> Period:
        if self.period_type == MONTH:
            return month_period(self.period_start)
        return quarter_containing(self.period_start)


class Quota(PeriodFields, BaseModel):
    """What a user is expected to win in a period."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="quotas")
    amount = _money(_("quota"), default=ZERO)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["period_start", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period_type", "period_start"],
                                    name="quota_unique_user_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_amount_nonneg"),
        ]
        indexes = [models.Index(fields=["period_type", "period_start"], name="quota_period_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.period.key}: {self.amount}"


class ForecastAdjustment(PeriodFields):
    """One manager adjustment of a forecast row (a user's rolled-up forecast in a period).

    Rows are never changed: the latest row of (user, period) is the current adjustment, a row
    with `is_reset` returns the forecast to the system value, and the rows together are the
    history shown on the page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="forecast_adjustments")
    amount = _money(_("adjusted forecast"), null=True, blank=True)
    previous_amount = _money(_("value before"), null=True, blank=True)
    system_amount = _money(_("system value"), default=ZERO)
    is_reset = models.BooleanField(default=False)
    note = models.TextField(_("note"))
    adjusted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["period_type", "period_start", "user", "-created_at"],
                         name="fcadj_period_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(is_reset=True) | Q(amount__gte=0),
                                   name="fcadj_amount_set_unless_reset"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.period.key}: {self.amount}"


class ForecastSnapshot(PeriodFields):
    """A user's rolled-up forecast row as it stood on a day (taken daily by Celery beat)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="forecast_snapshots")
    taken_on = models.DateField()
    quota = _money(_("quota"), default=ZERO)
    won = _money(_("won"), default=ZERO)
    committed = _money(_("committed"), default=ZERO)
    best_case = _money(_("best case"), default=ZERO)
    pipeline = _money(_("pipeline"), default=ZERO)
    omitted = _money(_("omitted"), default=ZERO)
    lost = _money(_("lost"), default=ZERO)
    adjusted = _money(_("forecast"), default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period_type", "period_start", "taken_on"],
                                    name="fcsnap_unique_user_period_day"),
        ]
