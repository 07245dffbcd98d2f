"""The outgoing event stream, webhooks with their deliveries, and rules with their runs."""

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.models import BaseModel


class OutgoingEvent(models.Model):
    """One row per Event, written in the same transaction as the change (the outbox).

    `dispatched_at` stays empty until a worker has fanned the event out to webhooks and rules;
    the periodic `dispatch_pending` task picks up any row whose after-commit task was lost.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("event type"), max_length=80)
    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    source_event_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=60)
    payload = models.JSONField(default=dict, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    # Written while an automation rule ran: rules ignore it (loop prevention), webhooks do not.
    by_rule = models.ForeignKey("Rule", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(dispatched_at__isnull=True),
                         name="automation_event_pending_idx"),
            models.Index(fields=["record_type", "record_id", "id"],
                         name="automation_event_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.record_type}:{self.record_id}"

    @property
    def changes(self) -> dict[str, Any]:
        return (self.payload or {}).get("changes") or {}


def _new_secret() -> str:
    return secrets.token_hex(24)


class Webhook(BaseModel):
    """An endpoint an admin registered: URL, signing secret and the event types it receives."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=200, default=_new_secret)
    # Event types (`lead.created`...); empty: every event.
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("admin"))
    # First failure after the last success; failing for CRM_WEBHOOKS_DISABLE_AFTER -> disabled.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name or self.url

    def get_absolute_url(self) -> str:
        return reverse("webhook-detail", args=[self.pk])

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


OPEN_DELIVERY = [DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING]


class WebhookDelivery(models.Model):
    """One event for one endpoint: sent, retried with backoff, logged attempt by attempt."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutgoingEvent, on_delete=models.CASCADE, related_name="deliveries")
    # "<record type>:<id>": deliveries of one record reach an endpoint in order.
    record_key = models.CharField(max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            # Dispatching an event twice never delivers it twice (redeliveries are extra rows).
            models.UniqueConstraint(fields=["webhook", "event"], condition=Q(redelivery_of=None),
                                    name="automation_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["webhook", "-id"], name="automation_delivery_hook_idx"),
            models.Index(fields=["next_attempt_at"],
                         condition=Q(status__in=["pending", "sending", "retrying"]),
                         name="automation_delivery_due_idx"),
            models.Index(fields=["webhook", "record_key", "id"],
                         condition=Q(status__in=["pending", "sending", "retrying"]),
                         name="automation_delivery_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} -> {self.webhook}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]


class Trigger(models.TextChoices):
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    TRANSITION = "transition", _("Transition")


class Rule(BaseModel):
    """When a record is created, changed or moves through a transition, if the conditions hold,
    do the actions in order (PROCESS.md, "Automation and webhooks")."""

    name = models.CharField(_("name"), max_length=150)
    record_type = models.CharField(_("record type"), max_length=30)
    trigger = models.CharField(_("trigger"), max_length=12, choices=Trigger.choices)
    # trigger=changed: the field names that must have changed (empty: any field).
    fields = models.JSONField(_("fields"), default=list, blank=True)
    # trigger=transition: the transitions (event actions: "won", "qualified"...); empty: any.
    transitions = models.JSONField(_("transitions"), default=list, blank=True)
    # {"match": "all"|"any", "conditions": [{"field", "operator", "value"} | group, ...]}
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    # [{"type": "assign_owner"|"create_task"|..., ...parameters}]
    actions = models.JSONField(_("actions"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=False)
    position = models.PositiveIntegerField(_("order"), default=100)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["record_type", "active"], name="automation_rule_type_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("automation-rule-detail", args=[self.pk])


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    RETRYING = "retrying", _("Failed, will retry")
    NOT_MATCHED = "not_matched", _("Conditions not met")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RuleRun(models.Model):
    """One rule on one event: matched or not, each action's outcome, and why it failed."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    event = models.ForeignKey(OutgoingEvent, on_delete=models.CASCADE, related_name="rule_runs")
    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=RunStatus.choices,
                              default=RunStatus.PENDING)
    matched = models.BooleanField(default=False)
    # [{"type", "ok", "detail"}]
    results = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # A failed attempt is retried (status=retrying) at `next_attempt_at`, up to
    # CRM_AUTOMATION_RUN_ATTEMPTS attempts; the actions done in an earlier attempt are skipped.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Idempotent per event: dispatching twice runs a rule once.
            models.UniqueConstraint(fields=["rule", "event"], name="automation_run_once"),
        ]
        indexes = [
            models.Index(fields=["rule", "-id"], name="automation_run_rule_idx"),
            models.Index(fields=["id"], condition=Q(status="pending"),
                         name="automation_run_pending_idx"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="retrying"),
                         name="automation_run_retry_idx"),
        ]


class RoundRobinCursor(models.Model):
    """Who got the last record from a team's rotation (locked while the next one is picked)."""

    team = models.OneToOneField("users.Team", on_delete=models.CASCADE, related_name="+")
    last_user_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
