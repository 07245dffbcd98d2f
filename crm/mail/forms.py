from django import forms
from django.utils.translation import gettext_lazy as _

from .linking import LINKABLE_TYPES
from .models import Mailbox


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password or app password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted. Leave blank to keep the current password."),
    )
    folders = forms.CharField(
        label=_("Folders to sync"), required=False,
        help_text=_("Comma-separated, e.g. INBOX, Sent."),
    )

    class Meta:
        model = Mailbox
        fields = ["address", "display_name", "imap_host", "imap_port", "imap_security",
                  "smtp_host", "smtp_port", "smtp_security", "username"]
        help_texts = {"username": _("Usually the address itself.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].required = False
        if self.instance.pk:
            self.initial["folders"] = ", ".join(self.instance.folders or [])
        else:
            self.initial.setdefault("folders", "INBOX, Sent")

    def clean_folders(self):
        value = self.cleaned_data.get("folders") or ""
        return [part.strip() for part in value.split(",") if part.strip()] or ["INBOX", "Sent"]


class LinkForm(forms.Form):
    """Link by hand: a record picked from the search (`record` = "type:id"), or a record type
    and number typed in."""

    record = forms.CharField(label=_("Record"), required=False, max_length=60)
    regarding_type = forms.ChoiceField(
        label=_("Record type"), required=False,
        choices=[(t, _(t.title())) for t in LINKABLE_TYPES])
    regarding_id = forms.IntegerField(label=_("Record number (id)"), min_value=1,
                                      required=False)

    def clean(self):
        data = super().clean()
        picked = (data.get("record") or "").strip()
        if picked:
            record_type, _sep, record_id = picked.partition(":")
            if record_type not in LINKABLE_TYPES or not record_id.isdigit():
                raise forms.ValidationError(_("Pick a record from the search results."))
            data["regarding_type"], data["regarding_id"] = record_type, int(record_id)
        elif not (data.get("regarding_type") and data.get("regarding_id")):
            raise forms.ValidationError(
                _("Search for the record to link, or give its type and number."))
        return data


class NeverTrackForm(forms.Form):
    pattern = forms.CharField(label=_("Address or @domain"), max_length=320,
                              help_text=_("e.g. doctor@clinic.example or @family.example"))
