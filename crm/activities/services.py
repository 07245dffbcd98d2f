"""Every write to activities.

Activities are owned records (PROCESS.md): a seller reads their own and their team's and changes
their own; managers change their people's; admins everything. Logging an activity on a record
needs only read access to that record. Each write flags the activity for the timeline
aggregation in the same transaction and queues the aggregation after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from crm.common.codes import RefusalReason
from crm.common.deletion import delete_or_refuse
from crm.common.errors import RecordLocked, TransitionNotAllowed
from crm.common.queue import enqueue_on_commit
from crm.common.registries import record_types
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import (
    apply_owner_change,
    check_can_assign_owner,
    check_can_change,
    get_readable_or_404,
)
from crm.users.models import User

from . import aggregation
from .models import REGARDING_FIELDS, Activity, ActivityKind, ActivityState
from .signals import activity_completed
from .tasks import sync_timeline_items, sync_timeline_records

EDITABLE_FIELDS = [
    "subject", "description", "priority", "due_at", "direction", "duration_minutes",
    "email_from", "email_to", "starts_at", "ends_at", "location", "attendees", "attachment",
]
# Kinds that are logged after the fact: a note is never "open"; a logged call or e-mail is
# completed unless the caller says it is still to do.
BORN_COMPLETED = {ActivityKind.NOTE}


def resolve_regarding(*, user: User, record_type: str, record_id: Any) -> Any:
    """The record an activity will regard, if `user` may read it (404 otherwise)."""
    if record_type not in REGARDING_FIELDS or record_type not in record_types:
        raise ValidationError({"regarding_type": [
            _("Activities cannot regard “%(type)s”. Choose one of: %(types)s.")
            % {"type": record_type, "types": ", ".join(REGARDING_FIELDS)}
        ]})
    rt = record_types.get(record_type)
    return get_readable_or_404(rt.model._default_manager.all(), user,
                               owner_field=rt.owner_field, visibility=rt.visibility,
                               pk=record_id)


def _attachment(value: Maybe[File[Any] | bool | None]) -> Maybe[File[Any] | str]:
    """A form's file field: None is "no upload" (keep what is there), False its clear box."""
    if value is None:
        return UNSET
    if value is False or value is True:
        return ""
    return value


def _validate(activity: Activity) -> None:
    errors = {}
    if activity.kind == ActivityKind.APPOINTMENT and not activity.starts_at:
        errors["starts_at"] = [_("An appointment needs a start time.")]
    if activity.starts_at and activity.ends_at and activity.ends_at < activity.starts_at:
        errors["ends_at"] = [_("The end must not be before the start.")]
    if activity.kind != ActivityKind.NOTE and activity.attachment:
        errors["attachment"] = [_("Only notes carry attachments.")]
    if errors:
        raise ValidationError(errors)
    activity.full_clean(exclude=["owner", "state"])


def _queue_sync(activity: Activity) -> None:
    enqueue_on_commit(sync_timeline_items, activity_ids=[activity.pk])


@transaction.atomic
def activity_create(
        *, actor: User, kind: str, regarding: Any, owner: User | None = None,
        completed: bool | None = None, subject: Maybe[str] = UNSET, description: Maybe[str] = UNSET,
        priority: Maybe[str] = UNSET, due_at: Maybe[datetime | None] = UNSET,
        direction: Maybe[str] = UNSET, duration_minutes: Maybe[int | None] = UNSET,
        email_from: Maybe[str] = UNSET, email_to: Maybe[str] = UNSET,
        starts_at: Maybe[datetime | None] = UNSET, ends_at: Maybe[datetime | None] = UNSET,
        location: Maybe[str] = UNSET, attendees: Maybe[str] = UNSET,
        attachment: Maybe[File[Any] | bool | None] = UNSET,
) -> Activity:
    """Create an activity regarding one readable record, owned by `owner` (default: actor).

    Notes are born completed; `completed=True` logs a call/e-mail/task as already done (and
    sends `activity_completed`, so a new lead becomes contacted). Refuses an owner the actor may
    not assign to (403) and invalid dates or attachments (400).
    """
    owner = owner or actor
    check_can_assign_owner(actor, owner)
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": [_("Unknown activity kind “%(kind)s”.") % {"kind": kind}]})
    record_type = record_types.for_model(type(regarding)).name
    if record_type not in REGARDING_FIELDS:
        raise ValidationError({"regarding_type": [
            _("Activities cannot regard “%(type)s”.") % {"type": record_type}]})
    activity = Activity(kind=kind, owner=owner)
    activity.set_regarding(record_type, regarding)

    def prepare(activity: Activity, changed: list[str]) -> None:
        if not activity.subject and kind == ActivityKind.NOTE:
            activity.subject = (activity.description or _("Note")).strip().splitlines()[0][:200]
        _validate(activity)
        if kind in BORN_COMPLETED or completed:
            activity.complete()

    model_update(instance=activity, fields=EDITABLE_FIELDS, validate=prepare, data=given(
        subject=subject, description=description, priority=priority, due_at=due_at,
        direction=direction, duration_minutes=duration_minutes, email_from=email_from,
        email_to=email_to, starts_at=starts_at, ends_at=ends_at, location=location,
        attendees=attendees, attachment=_attachment(attachment)))
    if activity.state == ActivityState.COMPLETED and kind not in BORN_COMPLETED:
        activity_completed.send(sender=Activity, activity=activity, actor=actor)
    _queue_sync(activity)
    return activity


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


@transaction.atomic
def activity_update(
        *, activity: Activity, actor: User, owner: User | None = None, regarding: Any = None,
        subject: Maybe[str] = UNSET, description: Maybe[str] = UNSET,
        priority: Maybe[str] = UNSET, due_at: Maybe[datetime | None] = UNSET,
        direction: Maybe[str] = UNSET, duration_minutes: Maybe[int | None] = UNSET,
        email_from: Maybe[str] = UNSET, email_to: Maybe[str] = UNSET,
        starts_at: Maybe[datetime | None] = UNSET, ends_at: Maybe[datetime | None] = UNSET,
        location: Maybe[str] = UNSET, attendees: Maybe[str] = UNSET,
        attachment: Maybe[File[Any] | bool | None] = UNSET,
) -> Activity:
    """Change an open activity (closed ones are a record of the past: 409 record_locked).

    A new `regarding` record must be readable by the actor; reassigning needs a manager/admin.
    """
    activity = _lock(activity)
    check_can_change(actor, activity)
    changed = []
    if owner is not None and apply_owner_change(activity, actor, owner):
        changed.append("owner")
    if regarding is not None and regarding != activity.regarding:
        record_type = record_types.for_model(type(regarding)).name
        if record_type not in REGARDING_FIELDS:
            raise ValidationError({"regarding_type": [
                _("Activities cannot regard “%(type)s”.") % {"type": record_type}]})
        activity.set_regarding(record_type, regarding)
        changed += list(REGARDING_FIELDS.values())

    def check(activity: Activity, changed: list[str]) -> list[str]:
        if not activity.is_open and set(changed) - {"description", "attachment"}:
            raise RecordLocked(_("This activity is %(state)s; only its description can change.")
                               % {"state": activity.get_state_display().lower()},
                               reason=RefusalReason.NOT_EDITABLE)
        _validate(activity)
        activity.timeline_synced = False
        return ["timeline_synced"]

    activity, updated = model_update(
        instance=activity, fields=EDITABLE_FIELDS, changed=changed, validate=check, data=given(
        subject=subject, description=description, priority=priority, due_at=due_at,
        direction=direction, duration_minutes=duration_minutes, email_from=email_from,
        email_to=email_to, starts_at=starts_at, ends_at=ends_at, location=location,
        attendees=attendees, attachment=_attachment(attachment)))
    if updated:
        _queue_sync(activity)
    return activity


def _transition(activity: Activity, actor: User, name: str) -> Activity:
    activity = _lock(activity)
    check_can_change(actor, activity)
    if not activity.is_open:
        raise TransitionNotAllowed(
            _("This activity is already %(state)s.") % {"state": activity.get_state_display()
                                                         .lower()},
            allowed=[], reason=RefusalReason.WRONG_STATUS,
        )
    getattr(activity, name)()
    activity.timeline_synced = False
    activity.save(update_fields=["state", "completed_at", "canceled_at", "timeline_synced"])
    _queue_sync(activity)
    return activity


@transaction.atomic
def activity_complete(*, activity: Activity, actor: User) -> Activity:
    """Mark an open activity completed and send `activity_completed` (409 if not open)."""
    activity = _transition(activity, actor, "complete")
    activity_completed.send(sender=Activity, activity=activity, actor=actor)
    return activity


@transaction.atomic
def activity_cancel(*, activity: Activity, actor: User) -> Activity:
    """Cancel an open activity (409 if it is not open)."""
    return _transition(activity, actor, "cancel")


@transaction.atomic
def activity_delete(*, activity: Activity, actor: User) -> None:
    """Delete an activity; the records whose timelines showed it get their rollups recounted."""
    activity = _lock(activity)
    check_can_change(actor, activity)
    shown_on = set(activity.timeline_entries.values_list("record_type", "record_id"))
    delete_or_refuse(activity)  # its timeline entries go with it (foreign key cascade)
    for key in shown_on:
        aggregation.mark_record_changed(*key, full=False)

    enqueue_on_commit(sync_timeline_records)
