"""Activities widget for the dashboards: open activities by when they are due.

The dashboards' own plug-in module (found by the same `autodiscover_modules("insights")` as the
other apps' `insights.py`): activities sit below the dashboards engine, so the engine holds the
widget about them instead of crm.activities importing the engine above it.
"""

from datetime import timedelta

from django.db.models import Case, Count, DateTimeField, F, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.activities.models import Activity, ActivityKind, ActivityState

from .registry import INT, Chart, Column, Widget, list_url, register_widget


def due(ctx):
    """Open activities: overdue, due today, in the next 7 days, later, no date (one query).
    "When" is the start of an appointment and the due date of everything else."""
    now = timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + timedelta(days=1)
    week_end = day_end + timedelta(days=7)
    when = Case(When(kind=ActivityKind.APPOINTMENT, then=F("starts_at")), default=F("due_at"),
                output_field=DateTimeField())
    row = ctx.scope(Activity.objects.filter(state=ActivityState.OPEN)).annotate(
        when=when
    ).aggregate(
        overdue=Count("id", filter=Q(when__lt=now)),
        today=Count("id", filter=Q(when__gte=now, when__lt=day_end)),
        week=Count("id", filter=Q(when__gte=day_end, when__lt=week_end)),
        later=Count("id", filter=Q(when__gte=week_end)),
        undated=Count("id", filter=Q(when__isnull=True)),
    )
    buckets = (
        ("overdue", _("Overdue"), "overdue"), ("today", _("Due today"), "today"),
        ("week", _("Next 7 days"), "week"), ("later", _("Later"), "open"),
        ("undated", _("No date"), "open"),
    )
    return [{"bucket": key, "label": str(label), "count": row[key], "view": view}
            for key, label, view in buckets]


register_widget(Widget(
    name="activities.due",
    title=_("Activities due"),
    description=_("Open tasks, calls, e-mails and appointments."),
    columns=(Column("label", _("When")), Column("count", _("Activities"), INT)),
    compute=due,
    chart=Chart(type="bar", series=(("count", _("Activities")),)),
    uses_period=False,
    link=lambda ctx, row: list_url("activity-list", view=row["view"]),
    order=15,
))
