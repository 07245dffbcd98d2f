from django import forms
from django.utils.translation import gettext_lazy as _

from opportunities.models import ForecastCategory

OPEN_CATEGORY_CHOICES = [
    (c.value, c.label) for c in (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE,
                                 ForecastCategory.COMMITTED, ForecastCategory.OMITTED)
]


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(label=_("Adjusted forecast"), max_digits=18, decimal_places=2,
                                min_value=0, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000)
    reset = forms.BooleanField(label=_("Reset to the system value"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("reset") and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("Enter the adjusted forecast, or choose reset."))
        return data


class CategoryForm(forms.Form):
    forecast_category = forms.ChoiceField(label=_("Forecast category"),
                                          choices=OPEN_CATEGORY_CHOICES)


class QuotaUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("Columns: username, period (2026-11 or 2026-Q4), "
                                       "amount."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2_000_000:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Save the file as UTF-8 CSV."))
