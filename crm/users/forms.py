from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [
        ("", _("Never")),
        ("7", _("In 7 days")),
        ("30", _("In 30 days")),
        ("90", _("In 90 days")),
        ("365", _("In a year")),
    ]

    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What uses it, e.g. “Reporting script”."))
    expires_in = forms.TypedChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES,
                                        coerce=int, empty_value=None, required=False)

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=days) if days else None
