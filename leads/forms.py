from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.forms import OwnerFieldMixin
from crm.common.widgets import LookupSelect
from crm.customers.models import Contact

from .importer import AUTO_ENCODING, ENCODING_CHOICES, ENCODINGS, FIELDS
from .models import DisqualifyReason, DuplicatePolicy, Lead, LeadSource
from .rules import TOPIC_REQUIRED, lead_input_errors

LEAD_FORM_FIELDS = [
    "topic", "salutation", "first_name", "last_name", "company", "job_title", "email",
    "email2", "business_phone", "mobile_phone", "website", "source", "rating", "industry",
    "employees", "annual_revenue", "existing_account", "existing_contact",
    "budget_amount", "budget_status", "purchase_timeframe", "purchase_process", "need",
    "decision_maker", "estimated_value", "estimated_close_date", "description",
    "qualification_comments", "street", "city", "state", "postal_code", "country", "owner",
]
DUPLICATE_INPUTS = ["first_name", "last_name", "company", "email", "business_phone",
                    "mobile_phone", "country"]  # country: national numbers are read there


class LeadForm(OwnerFieldMixin, forms.ModelForm):
    class Meta:
        model = Lead
        fields = LEAD_FORM_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "qualification_comments": forms.Textarea(attrs={"rows": 2}),
            "existing_account": LookupSelect("account-lookup"),
            "existing_contact": LookupSelect("opportunity-contact-lookup"),
            "estimated_close_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].widget.attrs["autofocus"] = True
        self.fields["topic"].error_messages["required"] = TOPIC_REQUIRED
        self.fields["topic"].help_text = _("What they are interested in, e.g. “50 CRM seats”.")
        self.fields["last_name"].help_text = _("Last name or company is required.")
        for name in DUPLICATE_INPUTS:
            self.fields[name].widget.attrs["data-duplicate-check"] = "1"
        # Contact search is served by the opportunities app's contact lookup (any contact,
        # shown with its account); only the chosen one is rendered.
        self.fields["existing_contact"].queryset = Contact.objects.all()

    def clean(self):
        data = super().clean()
        for name, errors in lead_input_errors(data).items():
            if name not in self.errors:  # a field that failed its own check says so already
                self.add_error(name, errors)
        return data


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisqualifyReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500,
                           widget=forms.TextInput())


class LeadImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"),
                           help_text=_("First row: column names. Up to 1,000,000 rows."))
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=ENCODING_CHOICES, initial=AUTO_ENCODING,
        help_text=_("Detected from the file unless you choose one; you can change it in the "
                    "next step."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 200 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 200 MB; split it."))
        return upload


class LeadImportMappingForm(forms.Form):
    """One select per CSV column (`col_<n>`), plus the import settings."""

    duplicate_policy = forms.ChoiceField(label=_("Rows that look like existing leads"),
                                         choices=DuplicatePolicy.choices,
                                         widget=forms.RadioSelect)
    default_source = forms.ChoiceField(
        label=_("Source for rows without one"), required=False,
        choices=[("", "—")] + list(LeadSource.choices))
    default_topic = forms.CharField(label=_("Topic for rows without one"), required=False,
                                    max_length=300)
    encoding = forms.ChoiceField(
        label=_("Encoding of the file"), choices=ENCODINGS, required=False,
        help_text=_("Detected when the file was uploaded. If names look wrong (Ã©, �), choose "
                    "another one and update the preview."))

    def __init__(self, *args, job, **kwargs):
        initial = {"encoding": job.encoding, "duplicate_policy": job.duplicate_policy,
                   "default_source": job.default_source, "default_topic": job.default_topic}
        for index, header in enumerate(job.headers):
            initial[f"col_{index}"] = job.mapping.get(header, "")
        super().__init__(*args, initial=initial, **kwargs)
        self.job = job
        choices = [("", _("— don't import —"))] + [(k, v[0]) for k, v in FIELDS.items()]
        self.columns = []
        for index, header in enumerate(job.headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(label=header or f"#{index + 1}",
                                                  choices=choices, required=False)
            self.columns.append((header, self[name]))

    def mapping(self) -> dict[str, str]:
        return {h: self.cleaned_data.get(f"col_{i}") or "" for i, h in enumerate(self.job.headers)}
