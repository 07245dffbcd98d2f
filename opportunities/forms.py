from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.catalog.forms import ProductLineFormMixin
from crm.catalog.models import TAX_RATE, PriceList, Product
from crm.common.forms import OwnerFieldMixin
from crm.common.widgets import LookupSelect

from .models import (
    OPEN_FORECAST_CATEGORIES,
    STEP_FIELDS,
    ForecastCategory,
    Opportunity,
    OpportunityLine,
    StatusReason,
    StepType,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

MAIN_FIELDS = [
    "topic", "account", "contact", "owner", "price_list", "currency", "revenue_source",
    "estimated_revenue", "estimated_close_date", "probability", "rating", "forecast_category",
    "source", "description",
]
STEP_FORM_FIELDS = [
    "purchase_timeframe", "budget_amount", "budget_status", "purchase_process",
    "decision_maker", "need", "customer_need", "proposed_solution", "stakeholders_identified",
    "competitors_identified", "sales_team_identified", "proposal_developed",
    "internal_review_done", "proposal_presented", "final_proposal_done",
    "final_proposal_presented", "decision_date", "thank_you_sent", "debrief_filed",
]


def _open_forecast_choices():
    return [(c.value, c.label) for c in ForecastCategory if c in OPEN_FORECAST_CATEGORIES]


class OpportunityForm(OwnerFieldMixin, forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = MAIN_FIELDS + STEP_FORM_FIELDS
        widgets = {
            "account": LookupSelect("account-lookup"),
            "contact": LookupSelect("opportunity-contact-lookup"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "customer_need": forms.Textarea(attrs={"rows": 2}),
            "proposed_solution": forms.Textarea(attrs={"rows": 2}),
            "estimated_close_date": DATE,
            "decision_date": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].widget.attrs["autofocus"] = True
        self.fields["topic"].help_text = _("What the customer wants, e.g. “125 licences”.")
        self.fields["forecast_category"].choices = _open_forecast_choices()
        self.fields["price_list"].queryset = PriceList.objects.order_by("name")
        self.fields["price_list"].required = False
        self.fields["currency"].required = False
        self.fields["currency"].help_text = _("Follows the price list when one is chosen.")
        self.fields["probability"].required = False
        self.fields["probability"].help_text = _("Empty: the stage's default.")
        self.fields["estimated_revenue"].required = False
        self.fields["estimated_revenue"].help_text = _(
            "With system-calculated revenue this is the sum of the product lines."
        )
        if not self.instance.pk:
            default = PriceList.objects.filter(is_default=True).order_by("id").first()
            if default is not None:
                self.fields["price_list"].initial = default.pk
            for name in STEP_FORM_FIELDS:
                self.fields.pop(name)

    def clean(self):
        data = super().clean()
        if not data.get("account") and not data.get("contact"):
            self.add_error("account", _("Choose an account or a contact (or both)."))
        return data

    def step_fields(self, stage):
        return [self[name] for name in STEP_FORM_FIELDS if name in self.fields and
                name in _stage_fields(stage)]


def _stage_fields(stage) -> set[str]:
    from .models import StageStep

    return {s.field for s in StageStep.objects.steps_for(stage)}


class StepsForm(forms.ModelForm):
    """The current stage's steps, edited inline in the process bar."""

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def __init__(self, *args, steps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = list(steps)
        for step in self.steps:
            if step.field not in STEP_FIELDS:
                continue
            widgets = {}
            if step.type == StepType.DATE:
                widgets[step.field] = DATE
            if step.field in ("account", "contact"):
                widgets[step.field] = LookupSelect(
                    "account-lookup" if step.field == "account" else "opportunity-contact-lookup"
                )
            field = forms.fields_for_model(Opportunity, fields=[step.field],
                                           widgets=widgets)[step.field]
            field.label = step.label
            field.required = False
            if step.type == StepType.TEXT and isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 2
            self.fields[step.field] = field
            self.initial[step.field] = (
                getattr(self.instance, f"{step.field}_id") if step.field in ("account", "contact")
                else getattr(self.instance, step.field)
            )
        for step in self.steps:
            if step.required and step.field in self.fields:
                self.fields[step.field].widget.attrs["aria-required"] = "true"

    def _post_clean(self):
        # The service validates and saves; nothing is written to the instance here.
        pass


class LineForm(ProductLineFormMixin, forms.ModelForm):
    product = forms.ModelChoiceField(queryset=Product.objects.none(), required=False,
                                     label=_("Product"))
    unit_price = forms.DecimalField(label=_("Unit price"), required=False, max_digits=18,
                                    decimal_places=2, min_value=0,
                                    help_text=_("Empty: the price list's price."))
    tax_rate = forms.DecimalField(label=_("Tax %"), required=False, **TAX_RATE,
                                  min_value=0, max_value=100,
                                  help_text=_("Empty: the product's default tax."))

    class Meta:
        model = OpportunityLine
        fields = ["product", "write_in_name", "description", "quantity", "unit_price",
                  "manual_discount", "tax_rate"]

    def __init__(self, *args, opportunity=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_product_field(
            price_list_id=opportunity.price_list_id if opportunity is not None else None)
        self.fields["write_in_name"].help_text = _("Or a product that is not in the catalog.")
        self.fields["quantity"].widget.attrs.update(min="0.01", step="any")
        self.fields["manual_discount"].required = False
        if self.instance.pk:
            self.fields.pop("product")
            self.fields.pop("write_in_name")

    def clean(self):
        data = super().clean()
        if "product" in self.fields:
            product, write_in = data.get("product"), (data.get("write_in_name") or "").strip()
            if not product and not write_in:
                self.add_error("product", _("Choose a product or type a write-in name."))
            if product and write_in:
                self.add_error("write_in_name", _("Leave empty when a product is chosen."))
            if write_in and data.get("unit_price") is None:
                self.add_error("unit_price", _("A write-in product needs a unit price."))
        return data

    def _post_clean(self):
        pass


class WinForm(forms.Form):
    actual_revenue = forms.DecimalField(label=_("Actual revenue"), max_digits=18,
                                        decimal_places=2, min_value=0, required=False,
                                        help_text=_("Empty: the estimated revenue."))
    close_date = forms.DateField(label=_("Close date"), widget=DATE, required=False,
                                 initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    close_quotes = forms.BooleanField(label=_("Close open quotes"), required=False)


class LoseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[
        (StatusReason.OUT_SOLD.value, StatusReason.OUT_SOLD.label),
        (StatusReason.CANCELED.value, StatusReason.CANCELED.label),
    ])
    competitor = forms.CharField(label=_("Lost to (competitor)"), max_length=200,
                                 required=False)
    close_date = forms.DateField(label=_("Close date"), widget=DATE, required=False,
                                 initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    close_quotes = forms.BooleanField(label=_("Close open quotes"), required=False)
