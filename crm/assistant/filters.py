import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import PRIORITY_CHOICES, STATE_CHOICES, kind_choices
from .models import Card, CardState


class CardFilter(django_filters.FilterSet):
    """Shared by the "My assistant" page: kind, priority and which cards (default: to do now)."""

    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=kind_choices, empty_label=None)
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=PRIORITY_CHOICES,
                                           empty_label=None)
    show = django_filters.ChoiceFilter(label=_("Show"), choices=STATE_CHOICES, empty_label=None,
                                       method="filter_show")

    class Meta:
        model = Card
        fields = ["kind", "priority"]

    def filter_show(self, queryset, name, value):
        if value == "all":
            return queryset
        if value == CardState.SNOOZED:
            return queryset.filter(state=CardState.SNOOZED, snoozed_until__gt=timezone.now())
        if value == CardState.DISMISSED:
            return queryset.filter(state=CardState.DISMISSED)
        return queryset.visible()
