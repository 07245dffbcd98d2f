import django_filters
from django.utils.translation import gettext_lazy as _

from crm.common.filters import IsoDateTimeFilter
from crm.scoring import display as scoring_display
from crm.users.models import Team, User

from .models import ForecastCategory, Opportunity, Rating, RevenueSource, Stage, Status


class OpportunityFilter(django_filters.FilterSet):
    """API filters (query parameters named after the fields, API.md "Lists")."""

    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    status = django_filters.ChoiceFilter(choices=Status.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    forecast_category = django_filters.ChoiceFilter(choices=ForecastCategory.choices)
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    revenue_source = django_filters.ChoiceFilter(choices=RevenueSource.choices)
    account = django_filters.NumberFilter(field_name="account_id")
    contact = django_filters.NumberFilter(field_name="contact_id")
    originating_lead = django_filters.NumberFilter(field_name="originating_lead_id")
    close_after = django_filters.DateFilter(field_name="estimated_close_date", lookup_expr="gte")
    close_before = django_filters.DateFilter(field_name="estimated_close_date", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Opportunity
        fields = ["owner", "status", "stage", "forecast_category", "rating", "revenue_source",
                  "account", "contact"]


class OpportunityPageFilter(django_filters.FilterSet):
    """The list page's and the board's filter bar."""

    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        label=_("Owner"),
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Stage"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    forecast_category = django_filters.ChoiceFilter(choices=ForecastCategory.choices,
                                                    label=_("Forecast"))
    close_after = django_filters.DateFilter(
        field_name="estimated_close_date", lookup_expr="gte", label=_("Closing from"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    close_before = django_filters.DateFilter(
        field_name="estimated_close_date", lookup_expr="lte", label=_("Closing to"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    # Drill-down targets of the chart designer (crm.insights.designer): team, rating, won/lost date
    team = django_filters.ModelChoiceFilter(field_name="owner__team", queryset=Team.objects.all(),
                                            label=_("Team"))
    rating = django_filters.ChoiceFilter(choices=Rating.choices, label=_("Rating"))
    closed_after = django_filters.DateFilter(
        field_name="actual_close_date", lookup_expr="gte", label=_("Closed from"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    closed_before = django_filters.DateFilter(
        field_name="actual_close_date", lookup_expr="lte", label=_("Closed to"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    grade = scoring_display.grade_filter()
    min_score = scoring_display.min_score_filter()

    class Meta:
        model = Opportunity
        fields = ["owner", "stage", "status", "forecast_category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scoring_display.drop_score_filters(self, self.request)


class BoardFilter(OpportunityPageFilter):
    """The board shows open opportunities only, so no status or stage filter."""

    class Meta:
        model = Opportunity
        fields = ["owner", "forecast_category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("status", None)
        self.filters.pop("stage", None)
        self.filters.pop("closed_after", None)  # open opportunities have no close date
        self.filters.pop("closed_before", None)
