"""Personal dashboards: charts a user designs (crm.insights.designer computes them)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    COUNT = "count", _("Count")
    SUM = "sum", _("Sum")
    AVG = "avg", _("Average")


class ChartType(models.TextChoices):
    BAR = "bar", _("Bar")
    STACKED = "stacked", _("Stacked bar")
    LINE = "line", _("Line")
    DONUT = "donut", _("Donut")
    NUMBER = "number", _("Number")


class PersonalDashboard(models.Model):
    """A user's own dashboard of designed charts; a manager may share it with their team, whose
    members then see it read-only (each viewer's charts count only what the viewer may read)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.CASCADE, related_name="personal_dashboards")
    title = models.CharField(_("title"), max_length=120)
    shared_with_team = models.BooleanField(_("shared with my team"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["owner", "title"], name="pdash_owner_title_idx")]

    def __str__(self) -> str:
        return self.title


class DashboardChart(models.Model):
    """One chart: a record type, a measure, one or two groupings, a chart type and the list
    page's own filter parameters (plus a relative period on one of the record's dates)."""

    dashboard = models.ForeignKey(PersonalDashboard, on_delete=models.CASCADE,
                                  related_name="charts")
    title = models.CharField(_("title"), max_length=120)
    record_type = models.CharField(_("records"), max_length=30)
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices,
                               default=Measure.COUNT)
    measure_field = models.CharField(_("of"), max_length=60, blank=True)
    group_by = models.CharField(_("group by"), max_length=60, blank=True)
    stack_by = models.CharField(_("stack by"), max_length=60, blank=True)
    chart_type = models.CharField(_("chart type"), max_length=10, choices=ChartType.choices,
                                  default=ChartType.BAR)
    # The list page's filter parameters ({"status": "won", "owner": "7"}), validated by its
    # filter set when saved and again when computed.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    period = models.CharField(_("period"), max_length=20, blank=True)
    period_field = models.CharField(_("period applies to"), max_length=60, blank=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["dashboard", "position"], name="pchart_dash_pos_idx")]

    def __str__(self) -> str:
        return self.title
