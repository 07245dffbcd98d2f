import zoneinfo
from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import User


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


def time_zone_choices():
    """Every IANA zone the system knows, "Europe/Berlin" style, grouped names sorted."""
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(
        ("Etc/", "SystemV/", "US/", "posix/", "right/")))
    return [("", _("Server default (%(zone)s)") % {"zone": settings.TIME_ZONE}),
            ("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


class PreferencesForm(forms.ModelForm):
    """Language and time zone on the profile page (applied by crm.users.middleware)."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    class Meta:
        model = User
        fields = ["language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Browser default")), *settings.LANGUAGES]
        self.fields["time_zone"].choices = time_zone_choices()
