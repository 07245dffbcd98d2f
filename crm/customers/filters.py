import django_filters
from django.utils.translation import gettext_lazy as _

from crm.common.filters import IsoDateTimeFilter
from crm.users.models import User

from .models import Account, Contact, Industry


class AccountFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    industry = django_filters.ChoiceFilter(choices=Industry.choices)
    country = django_filters.CharFilter(lookup_expr="iexact")
    city = django_filters.CharFilter(lookup_expr="iexact")
    parent = django_filters.NumberFilter(field_name="parent_id")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Account
        fields = ["owner", "industry", "country", "city", "parent"]


class ContactFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    account = django_filters.NumberFilter(field_name="account_id")
    country = django_filters.CharFilter(lookup_expr="iexact")
    city = django_filters.CharFilter(lookup_expr="iexact")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Contact
        fields = ["owner", "account", "country", "city"]


class AccountPageFilter(AccountFilter):
    """The list page's filter bar (dates as plain date inputs)."""

    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Created to"))


class ContactPageFilter(ContactFilter):
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Created to"))
