import django_filters
from django.utils.translation import gettext_lazy as _

from crm.common.filters import IsoDateTimeFilter
from crm.scoring import display as scoring_display
from crm.users.models import Team, User

from .models import DisqualifyReason, Lead, LeadSource, LeadStatus, Rating


class LeadFilter(django_filters.FilterSet):
    """Shared by the API and the list page; every filter has a matching index."""

    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    status_reason = django_filters.ChoiceFilter(choices=DisqualifyReason.choices)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    source = django_filters.ChoiceFilter(choices=LeadSource.choices)
    rating = django_filters.ChoiceFilter(choices=Rating.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields = ["status", "status_reason", "owner", "source", "rating"]


class LeadPageFilter(LeadFilter):
    """The list page's filter bar (single status select, plain dates)."""

    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, empty_label=_("Any status"))
    status_reason = None  # the saved views cover closed leads; keep the bar short
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.none(), empty_label=_("Anyone"))
    source = django_filters.ChoiceFilter(choices=LeadSource.choices, empty_label=_("Any source"))
    rating = django_filters.ChoiceFilter(choices=Rating.choices, empty_label=_("Any rating"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Created to"))
    team = django_filters.ModelChoiceFilter(field_name="owner__team", queryset=Team.objects.all(),
                                            label=_("Team"))  # chart drill-downs
    grade = scoring_display.grade_filter()
    min_score = scoring_display.min_score_filter()

    class Meta(LeadFilter.Meta):
        fields = ["status", "owner", "source", "rating"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        scoring_display.drop_score_filters(self, request)
        from crm.common.visibility import readable_owner_ids

        users = User.objects.filter(is_active=True).order_by("first_name", "last_name")
        if request is not None:
            ids = readable_owner_ids(request.user)
            if ids is not None:
                users = users.filter(id__in=ids)
        self.filters["owner"].queryset = users
        self.form.fields["owner"].queryset = users
