"""Assistant rules about activities: tasks due today or overdue, appointments today or soon.

The assistant's own plug-in module (found by the same `autodiscover_modules("assistant")` as the
pipeline apps' `assistant.py`): activities sit below the assistant, so the engine holds the rules
about them instead of crm.activities importing the engine above it.

The card is about the activity itself (its page has "Complete"); completing or canceling it,
or moving its date, refreshes the card right after the commit.
"""

from datetime import timedelta

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.activities.models import Activity, ActivityKind, ActivityState
from crm.activities.signals import activity_completed
from crm.assistant.helpers import (
    NOTHING,
    day_boundary,
    day_start,
    fmt_datetime,
    local_date,
    plural,
)
from crm.assistant.models import Priority
from crm.assistant.registry import CardSpec, Rule, register_rule
from crm.assistant.signals import refresh_on_commit
from crm.common.formatting import format_time

RECORD_TYPE = "activity"
MODEL = "activities.Activity"


def _open(kind):
    return Activity.objects.with_regarding().filter(kind=kind, state=ActivityState.OPEN)


def _regarding(activity) -> str:
    regarding = activity.regarding
    return _(" regarding %(record)s") % {"record": regarding} if regarding is not None else ""


# --- tasks --------------------------------------------------------------------------------------
def _tasks_due_today(ctx):
    tomorrow = day_start(ctx.today + timedelta(days=1))
    return _open(ActivityKind.TASK).filter(due_at__gte=ctx.now, due_at__lt=tomorrow)


def _build_task_due_today(ctx, task):
    return CardSpec(
        user_id=task.owner_id, due_date=ctx.today, priority=Priority.NORMAL,
        title=_("Task due today: %(subject)s") % {"subject": task.subject},
        body=_("Due today at %(time)s%(regarding)s.") % {
            "time": format_time(task.due_at), "regarding": _regarding(task)},
        valid_until=task.due_at,  # then it is overdue: another card
    )


def _tasks_overdue(ctx):
    return _open(ActivityKind.TASK).filter(due_at__lt=ctx.now)


def _build_task_overdue(ctx, task):
    days = (ctx.today - local_date(task.due_at)).days
    late = plural(days, _("day")) + _(" overdue") if days else _("overdue since today")
    return CardSpec(
        user_id=task.owner_id, due_date=local_date(task.due_at), priority=Priority.HIGH,
        title=_("Overdue task: %(subject)s") % {"subject": task.subject},
        body=_("Was due %(when)s (%(late)s)%(regarding)s.") % {
            "when": fmt_datetime(task.due_at), "late": late, "regarding": _regarding(task)},
    )


def _changed(ctx, since):
    return Q(updated_at__gte=since)


register_rule(Rule(
    kind="task_due_today", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Task due today"), queryset=_tasks_due_today,
    build=_build_task_due_today, changed=_changed,
    boundary=lambda ctx, since, now: day_boundary(since, now, "due_at"),
))
register_rule(Rule(
    kind="task_overdue", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Overdue task"), queryset=_tasks_overdue, build=_build_task_overdue,
    changed=_changed, boundary=lambda ctx, since, now: Q(due_at__gte=since, due_at__lt=now),
))


# --- appointments -------------------------------------------------------------------------------
def _soon(ctx) -> timedelta:
    return timedelta(minutes=ctx.settings.appointment_soon_minutes)


def _appointments_today(ctx):
    tomorrow = day_start(ctx.today + timedelta(days=1))
    return _open(ActivityKind.APPOINTMENT).filter(starts_at__gt=ctx.now + _soon(ctx),
                                                   starts_at__lt=tomorrow)


def _build_appointment_today(ctx, appointment):
    return CardSpec(
        user_id=appointment.owner_id, due_date=ctx.today, priority=Priority.NORMAL,
        title=_("Appointment today: %(subject)s") % {"subject": appointment.subject},
        body=_("Starts at %(time)s%(where)s%(regarding)s.") % {
            "time": format_time(appointment.starts_at),
            "where": _(" in %(place)s") % {"place": appointment.location}
            if appointment.location else "",
            "regarding": _regarding(appointment)},
        valid_until=appointment.starts_at - _soon(ctx),  # then "starting soon" takes over
    )


def _appointments_soon(ctx):
    return _open(ActivityKind.APPOINTMENT).filter(starts_at__gt=ctx.now,
                                                   starts_at__lte=ctx.now + _soon(ctx))


def _build_appointment_soon(ctx, appointment):
    minutes = max(1, int((appointment.starts_at - ctx.now).total_seconds() // 60))
    return CardSpec(
        user_id=appointment.owner_id, due_date=local_date(appointment.starts_at),
        priority=Priority.HIGH,
        title=_("Starting soon: %(subject)s") % {"subject": appointment.subject},
        body=_("Starts in %(minutes)s at %(time)s%(where)s%(regarding)s.") % {
            "minutes": plural(minutes, _("minute")),
            "time": format_time(appointment.starts_at),
            "where": _(" in %(place)s") % {"place": appointment.location}
            if appointment.location else "",
            "regarding": _regarding(appointment)},
        valid_until=appointment.starts_at,
    )


def _appointment_soon_boundary(ctx, since, now):
    soon = _soon(ctx)
    return Q(starts_at__gt=since + soon, starts_at__lte=now + soon) if now > since else NOTHING


register_rule(Rule(
    kind="appointment_today", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Appointment today"), queryset=_appointments_today,
    build=_build_appointment_today, changed=_changed,
    boundary=lambda ctx, since, now: day_boundary(since, now, "starts_at"),
))
register_rule(Rule(
    kind="appointment_soon", record_type=RECORD_TYPE, model_label=MODEL,
    label=gettext_lazy("Appointment starting soon"), queryset=_appointments_soon,
    build=_build_appointment_soon, changed=_changed, boundary=_appointment_soon_boundary,
))


# --- event-driven refresh -----------------------------------------------------------------------
def _activity_changed(sender, instance, **kwargs):
    """Refresh the activity's own cards and those of the record it regards (a new or completed
    activity clears "no activity" there: those rules read the activities themselves)."""
    refresh_on_commit(RECORD_TYPE, instance.pk)
    if instance.regarding_type:
        refresh_on_commit(instance.regarding_type, instance.regarding_id)


def _activity_completed(sender, activity, **kwargs):
    _activity_changed(sender, activity)


post_save.connect(_activity_changed, sender=Activity, dispatch_uid="assistant_activity_saved")
post_delete.connect(_activity_changed, sender=Activity, dispatch_uid="assistant_activity_deleted")
activity_completed.connect(_activity_completed, dispatch_uid="assistant_activity_completed")
