import django_filters

from crm.common.filters import IsoDateTimeFilter
from crm.common.registries import record_types

from .models import Notification, Post, Reason


def _record_type_choices():
    return [(name, name) for name in record_types.names()]


class PostFilter(django_filters.FilterSet):
    regarding_type = django_filters.ChoiceFilter(field_name="record_type",
                                                 choices=_record_type_choices)
    regarding_id = django_filters.NumberFilter(field_name="record_id", min_value=1,
                                               max_value=2**63 - 1)
    author = django_filters.NumberFilter(field_name="author_id", min_value=1,
                                         max_value=2**63 - 1)
    parent = django_filters.NumberFilter(field_name="parent_id", min_value=1,
                                         max_value=2**63 - 1)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Post
        fields = []


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    reason = django_filters.ChoiceFilter(choices=Reason.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Notification
        fields = []
