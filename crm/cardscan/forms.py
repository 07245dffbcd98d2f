from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.widgets import LookupSelect
from crm.customers.models import Account

from .models import CardScan


class CardUploadForm(forms.Form):
    image = forms.FileField(
        label=_("Photo of the business card"),
        help_text=_("JPEG, PNG or HEIC, up to 10 MB. On a phone this opens the camera."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class ScannedCardForm(forms.Form):
    """The fields read from the card, prefilled and editable. Fields the scanner was unsure of
    carry the `low-confidence` class and a note, so the seller checks them first."""

    first_name = forms.CharField(label=_("First name"), max_length=80, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=80, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    company = forms.CharField(label=_("Company"), max_length=160, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    business_phone = forms.CharField(label=_("Business phone"), max_length=50, required=False)
    mobile_phone = forms.CharField(label=_("Mobile phone"), max_length=50, required=False)
    fax = forms.CharField(label=_("Fax"), max_length=50, required=False)
    website = forms.CharField(label=_("Web site"), max_length=200, required=False)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State/province"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)

    def __init__(self, *args, scan: CardScan | None = None, user=None, **kwargs):
        if scan is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from_scan(scan)
        super().__init__(*args, **kwargs)
        self.user = user
        self.low_confidence = set(scan.low_confidence_fields if scan else [])
        for name in self.low_confidence:
            if name in self.fields:
                field = self.fields[name]
                field.widget.attrs["class"] = "low-confidence"
                field.widget.attrs["aria-describedby"] = "low-confidence-note"
                field.help_text = _("Check this one: the scanner was not sure.")
        self.show_printed_phones(scan)

    def initial_from_scan(self, scan: CardScan) -> dict:
        return {name: value for name, value in (scan.fields or {}).items()
                if value and name in self.base_fields}

    def show_printed_phones(self, scan: CardScan | None) -> None:
        """Phones are prefilled in E.164; the card's own spelling is shown under each."""
        printed = ((scan.fields or {}).get("printed") or {}) if scan else {}
        for name, text in printed.items():
            field = self.fields.get(name)
            if field is not None and text and name not in self.low_confidence:
                field.help_text = _("On the card: %(printed)s") % {"printed": text}

    def clean_website(self):
        value = (self.cleaned_data.get("website") or "").strip()
        if not value:
            return ""
        if "://" not in value:
            value = f"https://{value}"
        parts = urlsplit(value)
        if not parts.netloc or "." not in parts.netloc or " " in value:
            raise forms.ValidationError(_("Enter a web address like www.example.com."))
        return value

    def clean(self):
        data = super().clean()
        if not (data.get("last_name") or "").strip() and not (data.get("company") or "").strip():
            self.add_error("last_name", _("Enter at least a last name or a company."))
        return data


class ScannedContactForm(ScannedCardForm):
    account = forms.ModelChoiceField(
        label=_("Account"), queryset=Account.objects.all(), required=False,
        widget=LookupSelect("account-lookup"),
        help_text=_("Leave empty to use the account named like the card's company."),
    )
    create_account = forms.BooleanField(
        label=_("Create the account if none has the card's company name"), required=False,
        initial=True,
    )

    def clean(self):
        data = super().clean()
        if not (data.get("last_name") or "").strip():
            self.add_error("last_name", _("A contact needs a last name."))
        return data
