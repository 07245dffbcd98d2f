from django import forms
from django.utils.translation import gettext_lazy as _

from crm.catalog.forms import DocumentLineForm
from crm.catalog.models import PriceList
from crm.common.forms import OwnerFieldMixin
from crm.common.widgets import LookupSelect
from crm.customers.models import Contact

from .models import CloseReason, Quote

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ADDRESS_FIELDS = [
    "bill_to_name", "bill_to_street", "bill_to_city", "bill_to_state", "bill_to_postal_code",
    "bill_to_country", "ship_to_name", "ship_to_street", "ship_to_city", "ship_to_state",
    "ship_to_postal_code", "ship_to_country",
]


class _MoneyCleanMixin:
    money_fields = ("discount_percent", "discount_amount", "freight_amount")

    def _clean_nonneg(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise forms.ValidationError(_("Cannot be negative."))
        return value

    def clean_discount_percent(self):
        value = self._clean_nonneg("discount_percent")
        if value is not None and value > 100:
            raise forms.ValidationError(_("At most 100 %."))
        return value

    def clean_discount_amount(self):
        return self._clean_nonneg("discount_amount")

    def clean_freight_amount(self):
        return self._clean_nonneg("freight_amount")


class QuoteForm(_MoneyCleanMixin, OwnerFieldMixin, forms.ModelForm):
    """The header of a draft quote (new or edited)."""

    class Meta:
        model = Quote
        fields = [
            "name", "account", "contact", "price_list", "valid_until", "payment_terms",
            "discount_percent", "discount_amount", "freight_amount", *ADDRESS_FIELDS,
            "description", "owner",
        ]
        widgets = {
            "account": LookupSelect("account-lookup"),
            "valid_until": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"description": _("Printed on the PDF under the totals.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["price_list"].queryset = PriceList.objects.order_by("name")
        account_id = self.data.get("account") or self.initial.get("account") or (
            self.instance.account_id if self.instance.pk else None)
        contacts = Contact.objects.order_by("last_name", "first_name")
        self.fields["contact"].queryset = (
            contacts.filter(account_id=account_id) if account_id else contacts.none())
        self.fields["contact"].help_text = _("A contact of the account (save the account first).")
        if not self.instance.pk:
            for name in ADDRESS_FIELDS:  # copied from the account on create
                self.fields.pop(name)

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and not data.get("account") and not data.get("contact"):
            self.add_error("account", _("Choose the customer's account."))
        return data


class QuoteFromOpportunityForm(forms.Form):
    name = forms.CharField(label=_("Quote name"), max_length=300)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    payment_terms = forms.ChoiceField(label=_("Payment terms"),
                                      choices=Quote._meta.get_field("payment_terms").choices)


class QuoteLineForm(DocumentLineForm):
    def __init__(self, *args, quote=None, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.setup_product_field(price_list_id=quote.price_list_id if quote else None)
        if editing is not None:
            self.fields.pop("product")
            if editing.product_id:
                self.fields.pop("write_in_name")
            else:
                self.fields["write_in_name"].label = _("Name")
                self.fields["write_in_name"].required = True
            self.fields["unit_price"].required = True
            self.fields["tax_rate"].required = True

    def clean_quantity(self):
        value = self.cleaned_data.get("quantity")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("Must be more than zero."))
        return value

    def clean(self):
        data = super().clean()
        if self.editing is None and not data.get("product") and not (
                data.get("write_in_name") or "").strip():
            self.add_error("product", _("Choose a product or type a write-in name."))
        return data


class QuoteCloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CloseReason.choices)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
