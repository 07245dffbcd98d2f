"""Assistant cards and the settings that drive them.

A card is one reminder for one user about one record ("task overdue", "no activity for 16
days"). Scans and event-driven refreshes compute the cards every rule wants and reconcile them
with the stored ones, so the unique key (user, kind, record, due date) is what makes a scan
idempotent: running it twice finds the card already there.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.registries import record_types


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    NORMAL = 2, _("Normal")
    LOW = 3, _("Low")


class CardState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SNOOZED = "snoozed", _("Snoozed")
    DISMISSED = "dismissed", _("Dismissed")


class CardQuerySet(models.QuerySet["Card"]):
    def visible(self, now: datetime | None = None) -> "CardQuerySet":
        """Cards a user should see now: active, or snoozed until a time that has passed."""
        now = now or timezone.now()
        return self.filter(
            Q(state=CardState.ACTIVE) | Q(state=CardState.SNOOZED, snoozed_until__lte=now)
        )


class Card(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_cards",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    record_type = models.CharField(_("record type"), max_length=30)
    record_id = models.BigIntegerField(_("record id"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.CharField(_("body"), max_length=500, blank=True)
    due_date = models.DateField(_("due date"))
    state = models.CharField(
        _("state"), max_length=10, choices=CardState.choices, default=CardState.ACTIVE
    )
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    # When the condition ends by the clock alone (a "due today" card at midnight, an
    # "appointment soon" card when it starts): the incremental scan re-checks the card then.
    valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "record_type", "record_id", "due_date"],
                name="assistant_card_unique_user_kind_record_due",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "state", "priority", "due_date"],
                         name="assistant_card_user_idx"),
            models.Index(fields=["record_type", "record_id"], name="assistant_card_record_idx"),
            models.Index(fields=["kind", "record_id"], name="assistant_card_kind_idx"),
            models.Index(fields=["valid_until"], name="assistant_card_valid_idx",
                         condition=Q(valid_until__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.user})"

    @property
    def is_high(self) -> bool:
        return self.priority == Priority.HIGH

    @property
    def priority_name(self) -> str:
        return Priority(self.priority).name.lower()

    def record_url(self) -> str:
        url_name = (record_types.get(self.record_type).url_name
                    if self.record_type in record_types else f"{self.record_type}-detail")
        try:
            return reverse(url_name, args=[self.record_id])
        except NoReverseMatch:
            return ""

    def default_snooze(self) -> timedelta:
        """High priority comes back after an hour, the rest after a day (PROCESS.md)."""
        return timedelta(hours=1) if self.is_high else timedelta(hours=24)


class AssistantSettings(models.Model):
    """The thresholds of every card kind (one row, edited in the admin)."""

    appointment_soon_minutes = models.PositiveIntegerField(
        _("appointment starting within (minutes)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    close_date_days = models.PositiveIntegerField(
        _("opportunity close date within (days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    opportunity_idle_days = models.PositiveIntegerField(
        _("no activity on an open opportunity for (days)"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    lead_idle_days = models.PositiveIntegerField(
        _("no activity on an open lead for (days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    lead_uncontacted_hours = models.PositiveIntegerField(
        _("new lead not contacted after (hours)"), default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 90)],
    )
    stage_stale_days = models.PositiveIntegerField(
        _("opportunity in the same stage for (days)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    quote_expiry_days = models.PositiveIntegerField(
        _("quote expiring within (days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    digest_enabled = models.BooleanField(_("send the daily digest e-mail"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assistant settings")
        verbose_name_plural = _("assistant settings")

    def __str__(self) -> str:
        return str(_("Assistant settings"))

    @classmethod
    def load(cls) -> "AssistantSettings":
        obj = cls.objects.order_by("pk").first()
        return obj if obj is not None else cls.objects.create()


class ScanState(models.Model):
    """The watermark of the incremental scan, one row per rule."""

    rule = models.CharField(max_length=60, unique=True)
    last_scanned_at = models.DateTimeField(null=True, blank=True)
    last_full_scan_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.rule


class DigestLog(models.Model):
    """One row per user and day: the digest was sent (a second run finds it and sends nothing)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    card_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="assistant_digest_once_per_day"),
        ]
