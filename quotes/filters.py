from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.filters import IsoDateTimeFilter
from crm.common.widgets import LookupSelect
from crm.customers.models import Account
from crm.users.models import User

from .models import Quote, QuoteStatus, QuoteStatusReason

EXPIRING_DAYS = 7


def _expiring(queryset, name, value):
    if not value:
        return queryset
    today = timezone.localdate()
    return queryset.filter(status=QuoteStatus.ACTIVE, valid_until__gte=today,
                           valid_until__lte=today + timedelta(days=EXPIRING_DAYS))


class QuoteFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=QuoteStatus.choices)
    status_reason = django_filters.ChoiceFilter(choices=QuoteStatusReason.choices)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    account = django_filters.NumberFilter(field_name="account_id")
    contact = django_filters.NumberFilter(field_name="contact_id")
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")
    number = django_filters.CharFilter(lookup_expr="iexact")
    expiring = django_filters.BooleanFilter(method=lambda qs, n, v: _expiring(qs, n, v),
                                            label=_("Expiring within 7 days"))
    valid_after = django_filters.DateFilter(field_name="valid_until", lookup_expr="gte")
    valid_before = django_filters.DateFilter(field_name="valid_until", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Quote
        fields = ["status", "status_reason", "owner", "account", "contact", "opportunity",
                  "number"]


class QuotePageFilter(django_filters.FilterSet):
    """The list page's filter bar."""

    status = django_filters.ChoiceFilter(choices=QuoteStatus.choices, label=_("Status"),
                                         empty_label=_("Any"))
    account = django_filters.ModelChoiceFilter(
        queryset=Account.objects.all(), label=_("Customer"),
        widget=LookupSelect("account-lookup"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True),
                                             label=_("Owner"), empty_label=_("Anyone"))
    expiring = django_filters.BooleanFilter(
        method=lambda qs, n, v: _expiring(qs, n, v), label=_("Expiring soon"),
        widget=forms.CheckboxInput)

    class Meta:
        model = Quote
        fields = ["status", "account", "owner", "expiring"]
