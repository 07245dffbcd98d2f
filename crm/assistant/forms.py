from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.forms import StorableDateTimeField

from .models import CardState, Priority
from .registry import rules


class SnoozeForm(forms.Form):
    until = StorableDateTimeField(
        label=_("Snooze until"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("Empty: 1 hour for high priority, 24 hours otherwise."),
    )


def kind_choices():
    return [("", _("Any kind"))] + sorted(
        ((kind, str(rule.label)) for kind, rule in rules.items()), key=lambda c: c[1]
    )


STATE_CHOICES = [("", _("To do now")), (CardState.SNOOZED, _("Snoozed")),
                 (CardState.DISMISSED, _("Dismissed")), ("all", _("All"))]
PRIORITY_CHOICES = [("", _("Any priority"))] + [(str(v), str(label)) for v, label in
                                                 Priority.choices]
