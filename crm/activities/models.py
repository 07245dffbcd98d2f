"""Activities (task, phone call, email, appointment, note), system events and the timeline
read model that the timeline panel and `timeline/` API page through.

An activity regards exactly one record through explicit, nullable foreign keys (one per record
type) and a check constraint; `REGARDING_FIELDS` lists them in the order they were added.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from crm.common.fsm import StateMachineMixin
from crm.common.models import BaseModel
from crm.common.registries import record_types

from .event_types import event_label

# Record type name (registry spelling) -> foreign key field on Activity.
REGARDING_FIELDS: dict[str, str] = {
    "account": "account",
    "contact": "contact",
    "lead": "lead",
    "opportunity": "opportunity",
    "quote": "quote",
    "order": "order",
    "invoice": "invoice",
}

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "gif", "txt", "csv", "docx", "xlsx",
                         "pptx", "odt", "ods", "eml", "msg"]


def validate_attachment_size(file: Any) -> None:
    if file and file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The attachment is %(size)s MB; the limit is %(limit)s MB."),
            params={"size": round(file.size / 1024 / 1024, 1),
                    "limit": ATTACHMENT_MAX_BYTES // 1024 // 1024},
            code="file_too_large",
        )


def exactly_one_regarding(fields: Any) -> Q:
    """Q that holds when exactly one of `fields` is set (the check constraint)."""
    fields = list(fields)
    condition = Q()
    for chosen in fields:
        clause = Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                clause &= Q(**{f"{other}__isnull": True})
        condition |= clause
    return condition


class ActivityKind(models.TextChoices):
    TASK = "task", _("Task")
    PHONE_CALL = "phone_call", _("Phone call")
    EMAIL = "email", _("Email")
    APPOINTMENT = "appointment", _("Appointment")
    NOTE = "note", _("Note")


class ActivityState(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    CANCELED = "canceled", _("Canceled")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INCOMING = "incoming", _("Incoming")


class ActivityQuerySet(models.QuerySet["Activity"]):
    def open(self) -> "ActivityQuerySet":
        return self.filter(state=ActivityState.OPEN)

    def with_regarding(self) -> "ActivityQuerySet":
        return self.select_related("owner", *REGARDING_FIELDS.values())


class Activity(StateMachineMixin, BaseModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    state = FSMField(_("state"), max_length=20, choices=ActivityState.choices,
                     default=ActivityState.OPEN, protected=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, related_name="activities")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    # Phone call and email.
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices,
                                 blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True,
                                                   blank=True)
    email_from = models.CharField(_("from"), max_length=254, blank=True)
    email_to = models.CharField(_("to"), max_length=1000, blank=True)
    # Appointment.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    attendees = models.TextField(_("attendees"), blank=True,
                                 help_text=_("One e-mail address or name per line."))
    # Note.
    attachment = models.FileField(
        _("attachment"), upload_to="activities/%Y/%m/", blank=True,
        validators=[FileExtensionValidator(ATTACHMENT_EXTENSIONS), validate_attachment_size],
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True, editable=False)
    # False until the timeline aggregation wrote this activity's entries and rollups. Written in
    # the same transaction as every change, so a lost task or a crashed worker leaves a durable
    # marker the periodic catch-up finds (a partial index keeps that scan cheap).
    timeline_synced = models.BooleanField(default=False, editable=False)

    # Regarding: exactly one is set (see REGARDING_FIELDS and the check constraint).
    account = models.ForeignKey("customers.Account", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="activities")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="activities")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True,
                             on_delete=models.CASCADE, related_name="activities")
    opportunity = models.ForeignKey("opportunities.Opportunity", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="activities")
    quote = models.ForeignKey("quotes.Quote", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="activities")
    order = models.ForeignKey("invoices.Order", null=True, blank=True,
                              on_delete=models.CASCADE, related_name="activities")
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="activities")

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=exactly_one_regarding(REGARDING_FIELDS.values()),
                                   name="activity_exactly_one_regarding"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True)
                | Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "state", "due_at"], name="activity_owner_due_idx"),
            models.Index(fields=["owner", "kind", "starts_at"], name="activity_owner_start_idx"),
            models.Index(fields=["id"], condition=Q(timeline_synced=False),
                         name="activity_unsynced_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activity-detail", args=[self.pk])

    # --- regarding -------------------------------------------------------------------------
    @property
    def regarding_type(self) -> str | None:
        for type_name, field in REGARDING_FIELDS.items():
            if getattr(self, f"{field}_id") is not None:
                return type_name
        return None

    @property
    def regarding_id(self) -> int | None:
        type_name = self.regarding_type
        return getattr(self, f"{REGARDING_FIELDS[type_name]}_id") if type_name else None

    @property
    def regarding(self) -> Any:
        type_name = self.regarding_type
        return getattr(self, REGARDING_FIELDS[type_name]) if type_name else None

    def set_regarding(self, record_type: str, record: Any) -> None:
        for field in REGARDING_FIELDS.values():
            setattr(self, field, None)
        setattr(self, REGARDING_FIELDS[record_type], record)

    # --- derived ---------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return bool(self.state == ActivityState.OPEN)

    @property
    def when(self) -> datetime | None:
        """The date that matters for this kind: start for appointments, due for the rest."""
        return self.starts_at if self.kind == ActivityKind.APPOINTMENT else self.due_at

    def is_overdue(self, now: datetime | None = None) -> bool:
        when = self.when
        return self.is_open and when is not None and when < (now or timezone.now())

    # --- transitions (in-memory only; services save) ----------------------------------------
    @transition(field=state, source=ActivityState.OPEN, target=ActivityState.COMPLETED)
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=state, source=ActivityState.OPEN, target=ActivityState.CANCELED)
    def cancel(self) -> None:
        self.canceled_at = timezone.now()


class Event(models.Model):
    """A system event on a record (a transition, a stage change, a payment...).

    Written by every transition service through `crm.activities.events.record_event`; the
    record's timeline shows it. `record_type` is a name from the record-type registry
    ("lead", "opportunity", ...).
    """

    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=60)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # See Activity.timeline_synced.
    timeline_synced = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-occurred_at", "-id"],
                         name="event_record_idx"),
            models.Index(fields=["id"], condition=Q(timeline_synced=False),
                         name="event_unsynced_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id} {self.action}"

    @property
    def title(self) -> str:
        """"Qualified: New → Qualified": the event type's label and the states' labels, never
        the stored codes."""
        text = event_label(self.action)
        if self.from_state and self.to_state:
            return f"{text}: {self.state_label(self.from_state)} → " \
                   f"{self.state_label(self.to_state)}"
        if self.to_state:
            return f"{text}: {self.state_label(self.to_state)}"
        return text

    def state_label(self, value: str) -> str:
        label = _state_labels(self.record_type).get(value)
        return str(label) if label is not None else value.replace("_", " ")


def _state_labels(record_type: str) -> dict[str, Any]:
    """{stored value: label} over the choice fields of the record type's model (status first,
    as fields are declared), for event titles; empty for an unknown record type."""
    if record_type not in record_types:
        return {}
    labels: dict[str, Any] = {}
    for field in record_types.get(record_type).model._meta.get_fields():
        for value, label in getattr(field, "flatchoices", None) or ():
            labels.setdefault(value, label)
    return labels


EVENT_KIND = "event"
TIMELINE_KINDS = [*ActivityKind.choices, (EVENT_KIND, _("System event"))]


class TimelineEntry(models.Model):
    """The timeline read model: one row per (timeline record, activity or event).

    A record's timeline holds its own entries and rollup copies of the entries of the records
    below it (an account shows its contacts', opportunities' and documents' entries). Rows are
    written only by `crm.activities.aggregation`; the page query is a single index range scan on
    (record_type, record_id, occurred_at desc, id desc). `activity_owner_id` and
    `source_owner_id` are copies that let that one query drop what the reader may not see.
    """

    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=TIMELINE_KINDS)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="timeline_entries")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="timeline_entries")
    # The record the activity regards / the event happened on.
    source_type = models.CharField(max_length=30)
    source_id = models.BigIntegerField()
    source_label = models.CharField(max_length=200, blank=True)
    is_rollup = models.BooleanField(default=False)
    is_open = models.BooleanField(default=False)
    activity_owner_id = models.BigIntegerField(null=True, blank=True)
    source_owner_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, event__isnull=True)
                | Q(activity__isnull=True, event__isnull=False),
                name="timeline_entry_one_item",
            ),
            # NULLs are distinct, so these double as the upsert targets for either item kind.
            models.UniqueConstraint(fields=["record_type", "record_id", "activity"],
                                    name="timeline_entry_unique_activity"),
            models.UniqueConstraint(fields=["record_type", "record_id", "event"],
                                    name="timeline_entry_unique_event"),
        ]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-occurred_at", "-id"],
                         name="timeline_record_idx"),
            models.Index(fields=["record_type", "record_id", "kind", "-occurred_at", "-id"],
                         name="timeline_record_kind_idx"),
            models.Index(fields=["source_type", "source_id"], name="timeline_source_idx"),
        ]

    @property
    def source_verbose_name(self) -> str:
        if self.source_type in record_types:
            return record_types.get(self.source_type).verbose_name
        return self.source_type

    @property
    def source_url(self) -> str:
        from django.urls import NoReverseMatch, reverse


        if self.source_type not in record_types:
            return ""
        try:
            return reverse(record_types.get(self.source_type).url_name, args=[self.source_id])
        except NoReverseMatch:
            return ""


class TimelineDirtyRecord(models.Model):
    """A record whose place in the hierarchy or owner changed (or that was deleted): the items
    below it must be re-aggregated (`full`) or only its rollup fields recounted."""

    record_type = models.CharField(max_length=30)
    record_id = models.BigIntegerField()
    full = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id", "full"],
                                    name="timeline_dirty_unique"),
        ]
