"""Writes of personal dashboards and their charts (the owner's; sharing is for managers)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.common.visibility import is_admin

from .models import DashboardChart, PersonalDashboard

CHART_FIELDS = ("title", "record_type", "measure", "measure_field", "group_by", "stack_by",
                "chart_type", "filters", "period", "period_field")


def _check_owner(dashboard: PersonalDashboard, actor) -> None:
    if dashboard.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of this dashboard can change it."))


def can_share(user) -> bool:
    return bool(user.is_authenticated and (user.role == "manager" or is_admin(user)))


def personal_dashboard_create(*, owner, title: str) -> PersonalDashboard:
    return PersonalDashboard.objects.create(owner=owner, title=title.strip())


def personal_dashboard_share(*, dashboard: PersonalDashboard, actor, shared: bool):
    """Share the dashboard with the owner's team (read-only for them) or stop sharing it."""
    _check_owner(dashboard, actor)
    if shared and not can_share(actor):
        raise PermissionDenied(_("Only managers can share a dashboard with their team."))
    if shared and actor.team_id is None:
        raise ValidationError(_("You are not in a team to share this dashboard with."))
    dashboard.shared_with_team = shared
    dashboard.save(update_fields=["shared_with_team", "updated_at"])
    return dashboard


def personal_dashboard_delete(*, dashboard: PersonalDashboard, actor) -> None:
    _check_owner(dashboard, actor)
    dashboard.delete()


def dashboard_chart_save(*, dashboard: PersonalDashboard, actor, data: dict,
                         chart: DashboardChart | None = None) -> DashboardChart:
    """Add a chart at the end of the dashboard, or change one (`data` comes from ChartForm)."""
    _check_owner(dashboard, actor)
    values = {name: data[name] for name in CHART_FIELDS if name in data}
    if chart is None:
        with transaction.atomic():
            last = dashboard.charts.aggregate(last=Max("position"))["last"]
            return DashboardChart.objects.create(
                dashboard=dashboard, position=0 if last is None else last + 1, **values)
    for name, value in values.items():
        setattr(chart, name, value)
    chart.save()
    return chart


def dashboard_chart_delete(*, chart: DashboardChart, actor) -> None:
    _check_owner(chart.dashboard, actor)
    chart.delete()


@transaction.atomic
def dashboard_chart_move(*, chart: DashboardChart, actor, direction: str) -> None:
    """Move a chart one place up or down (positions are renumbered 0..n-1)."""
    _check_owner(chart.dashboard, actor)
    charts = list(DashboardChart.objects.select_for_update()
                  .filter(dashboard_id=chart.dashboard_id).order_by("position", "id"))
    index = next(i for i, c in enumerate(charts) if c.pk == chart.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(charts):
        charts[index], charts[target] = charts[target], charts[index]
    for position, item in enumerate(charts):
        if item.position != position:
            DashboardChart.objects.filter(pk=item.pk).update(position=position)
