import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.filters import IsoDateTimeFilter
from crm.users.models import Team, User

from .models import Invoice, InvoiceStatus, Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    account = django_filters.NumberFilter(field_name="account_id")
    contact = django_filters.NumberFilter(field_name="contact_id")
    quote = django_filters.NumberFilter(field_name="quote_id")
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "owner", "account", "contact", "quote", "opportunity"]


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True))
    account = django_filters.NumberFilter(field_name="account_id")
    contact = django_filters.NumberFilter(field_name="contact_id")
    order = django_filters.NumberFilter(field_name="order_id")
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")
    issued_after = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    issued_before = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Invoice
        fields = ["status", "owner", "account", "contact", "order", "opportunity"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        return queryset.overdue(today) if value else queryset.not_overdue(today)


OVERDUE_CHOICES = (("", _("Any")), ("true", _("Overdue")), ("false", _("Not overdue")))


class OrderPageFilter(OrderFilter):
    """The orders page's filter bar."""

    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte",
                                              label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte",
                                               label=_("Created to"))

    class Meta(OrderFilter.Meta):
        fields = ["status", "owner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("account", "contact", "quote", "opportunity"):
            self.filters.pop(name)


class InvoicePageFilter(InvoiceFilter):
    """The invoices page's filter bar: status, overdue, customer, owner and issue period."""

    overdue = django_filters.ChoiceFilter(choices=OVERDUE_CHOICES[1:], method="filter_page_overdue",
                                          label=_("Overdue"), empty_label=_("Any"))
    customer = django_filters.CharFilter(method="filter_customer", label=_("Customer"))
    issued_after = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte",
                                             label=_("Issued from"))
    issued_before = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte",
                                              label=_("Issued to"))
    team = django_filters.ModelChoiceFilter(field_name="owner__team", queryset=Team.objects.all(),
                                            label=_("Team"))  # chart drill-downs

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("account", "contact", "order", "opportunity", "due_before",
                     "created_after", "created_before"):
            self.filters.pop(name)

    def filter_page_overdue(self, queryset, name, value):
        return self.filter_overdue(queryset, name, {"true": True, "false": False}.get(value))

    def filter_customer(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(account__name__icontains=value)
                               | Q(contact__last_name__icontains=value))
