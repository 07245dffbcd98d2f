import django_filters
from django.utils.translation import gettext_lazy as _

from crm.common.filters import IsoDateTimeFilter
from crm.users.models import User

from .models import REGARDING_FIELDS, Activity, ActivityKind, ActivityState, Priority


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    state = django_filters.ChoiceFilter(choices=ActivityState.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    regarding_type = django_filters.ChoiceFilter(
        choices=[(k, k) for k in REGARDING_FIELDS], method="filter_regarding_type")
    regarding_id = django_filters.NumberFilter(method="filter_noop")
    due_after = IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = ["kind", "state", "priority", "owner"]

    def filter_regarding_type(self, queryset, name, value):
        field = REGARDING_FIELDS[value]
        record_id = self.data.get("regarding_id")
        if record_id and str(record_id).isdigit():
            return queryset.filter(**{f"{field}_id": int(record_id)})
        return queryset.filter(**{f"{field}__isnull": False})

    def filter_noop(self, queryset, name, value):
        return queryset  # applied together with regarding_type


class ActivityPageFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Kind"),
                                       empty_label=_("Any kind"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"),
                                           empty_label=_("Any priority"))

    class Meta:
        model = Activity
        fields = ["kind", "priority"]
