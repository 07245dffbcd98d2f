from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.forms import OwnerFieldMixin
from crm.common.widgets import LookupSelect

from .models import Account, Contact


class AccountForm(OwnerFieldMixin, forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "name", "account_number", "industry", "website", "phone", "email", "employees",
            "annual_revenue", "parent", "primary_contact", "street", "city", "state",
            "postal_code", "country", "ship_street", "ship_city", "ship_state",
            "ship_postal_code", "ship_country", "description", "owner",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "parent": LookupSelect("account-lookup"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        contacts = Contact.objects.none()
        if self.instance.pk:
            contacts = self.instance.contacts.order_by("last_name")
        self.fields["primary_contact"].queryset = contacts
        if not self.instance.pk:
            self.fields.pop("primary_contact")

    def clean_annual_revenue(self):
        value = self.cleaned_data.get("annual_revenue")
        if value is not None and value < 0:
            raise forms.ValidationError(_("Annual revenue cannot be negative."))
        return value

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and parent.pk == self.instance.pk:
            raise forms.ValidationError(_("An account cannot be its own parent."))
        return parent


class ContactForm(OwnerFieldMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "salutation", "first_name", "last_name", "job_title", "account", "email", "email2",
            "business_phone", "mobile_phone", "street", "city", "state", "postal_code",
            "country", "description", "owner",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "account": LookupSelect("account-lookup"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autofocus"] = True
