"""Forms of the chart designer: a dashboard's title and one chart."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from crm.common.views import limit_user_choices

from . import designer
from .models import ChartType, Measure, PersonalDashboard

FILTER_PREFIX = "f"


class PersonalDashboardForm(forms.ModelForm):
    class Meta:
        model = PersonalDashboard
        fields = ["title"]


class ChartForm(forms.Form):
    """One chart of a record type: measure, grouping(s), chart type, period and the list page's
    own filters (its filter set's fields, prefixed "f-")."""

    title = forms.CharField(label=_("Title"), max_length=120)
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    measure_field = forms.ChoiceField(label=_("Of (sum and average)"), required=False)
    chart_type = forms.ChoiceField(label=_("Chart type"), choices=ChartType.choices)
    group_by = forms.ChoiceField(label=_("Group by"), required=False)
    stack_by = forms.ChoiceField(label=_("Stack by (stacked bar)"), required=False)
    period = forms.ChoiceField(label=_("Period"), required=False,
                               choices=designer.PERIOD_CHOICES)
    period_field = forms.ChoiceField(label=_("Period applies to"), required=False)

    def __init__(self, data=None, *, source: designer.ChartSource, user, chart=None,
                 start_filters: dict | None = None):
        """`start_filters`: list parameters to fill the filter fields with (a saved view's)."""
        initial = None
        filter_data = None
        if data is None and (chart is not None or start_filters):
            if chart is not None:
                initial = {name: getattr(chart, name) for name in (
                    "title", "measure", "measure_field", "chart_type", "group_by", "stack_by",
                    "period", "period_field")}
            filter_data = QueryDict(mutable=True)
            stored = start_filters if start_filters is not None else chart.filters
            for key, value in (stored or {}).items():
                values = value if isinstance(value, list) else [value]
                filter_data.setlist(f"{FILTER_PREFIX}-{key}", [str(v) for v in values])
        super().__init__(data, initial=initial)
        self.source = source
        self.user = user
        none = [("", _("None"))]
        self.fields["measure_field"].choices = [("", _("Choose a money field")),
                                                *[(k, str(v)) for k, v in source.money_fields]]
        groupings = source.groupings()
        self.fields["group_by"].choices = [("", _("None (one figure)")), *groupings]
        self.fields["stack_by"].choices = none + groupings
        self.fields["period_field"].choices = [(d.name, str(d.label)) for d in source.dates]
        if not source.dates:
            self.fields["period"].choices = [("", _("Any time"))]
        bound = data if data is not None else filter_data
        self.filterset = source.filterset(bound, queryset=source.queryset(user),
                                          prefix=FILTER_PREFIX,
                                          request=_Request(user, bound))
        limit_user_choices(self.filterset.form, user)
        self.filter_form = self.filterset.form

    def clean(self):
        data = super().clean()
        measure = data.get("measure")
        if measure in (Measure.SUM, Measure.AVG) and not data.get("measure_field"):
            self.add_error("measure_field", _("Choose the money field to sum or average."))
        if measure == Measure.COUNT:
            data["measure_field"] = ""
        chart_type = data.get("chart_type")
        if chart_type and chart_type != ChartType.NUMBER and not data.get("group_by"):
            self.add_error("group_by", _("Choose how to group the records (or make it a "
                                         "number)."))
        if chart_type == ChartType.STACKED:
            if not data.get("stack_by"):
                self.add_error("stack_by", _("A stacked bar needs a second grouping."))
            elif data.get("stack_by") == data.get("group_by"):
                self.add_error("stack_by", _("Choose a grouping other than the first one."))
        else:
            data["stack_by"] = ""
        if chart_type == ChartType.NUMBER:
            data["group_by"] = ""
        if data.get("period") and not data.get("period_field"):
            self.add_error("period_field", _("Choose the date the period applies to."))
        if not data.get("period"):
            data["period_field"] = ""
        if not self.filter_form.is_valid():
            self.add_error(None, _("Some filters are not valid; see below."))
        data["filters"] = self._filters()
        data["record_type"] = self.source.key
        return data

    def _filters(self) -> dict:
        """The filter fields' raw values under the list page's parameter names."""
        found = {}
        if self.data is None:
            return found
        for name in self.filter_form.fields:
            values = [v for v in self.data.getlist(f"{FILTER_PREFIX}-{name}") if v not in ("",)]
            if values:
                found[name] = values[0] if len(values) == 1 else values
        return found


class _Request:
    """What the list filter sets read from a request: the user and the query parameters."""

    def __init__(self, user, params):
        self.user = user
        self.GET = params if params is not None else QueryDict()
