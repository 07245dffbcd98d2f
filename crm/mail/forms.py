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
    regarding_type = forms.ChoiceField(
        label=_("Record type"), choices=[(t, _(t.title())) for t in LINKABLE_TYPES])
    regarding_id = forms.IntegerField(label=_("Record number (id)"), min_value=1)


class NeverTrackForm(forms.Form):
    pattern = forms.CharField(label=_("Address or @domain"), max_length=320,
                              help_text=_("e.g. doctor@clinic.example or @family.example"))
