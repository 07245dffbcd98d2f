import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.catalog.forms import DocumentLineForm
from crm.common.formatting import format_money


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2,
                                min_value=Decimal("0.01"))
    date = forms.DateField(label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False,
                                help_text=_("Bank transfer id, cheque number, ..."))
    # A fresh key per rendered form: a double-click or a resubmitted page records one payment.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, invoice=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("date", timezone.localdate())
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        if invoice is not None:
            kwargs["initial"].setdefault("amount", invoice.balance)
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        if invoice is not None:
            self.fields["amount"].widget.attrs["max"] = str(invoice.balance)
            self.fields["amount"].help_text = _("Balance due: %(balance)s") % {
                "balance": format_money(invoice.balance, invoice.currency)}

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return value


class InvoiceLinesForm(forms.Form):
    """One quantity per order line still to invoice (0 leaves the line out)."""

    def __init__(self, *args, order_lines=(), remaining=None, **kwargs):
        super().__init__(*args, **kwargs)
        remaining = remaining or {}
        self.rows = []
        for line in order_lines:
            left = remaining.get(line.pk, Decimal("0"))
            name = f"line_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=line.product_name, min_value=Decimal("0"), max_value=left,
                max_digits=12, decimal_places=3, initial=left.normalize() if left else 0,
                required=False, disabled=left <= 0,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            self.rows.append({"line": line, "left": left, "field_name": name})

    def bound_rows(self):
        for row in self.rows:
            yield {**row, "field": self[row["field_name"]]}

    def selected_lines(self) -> list[dict]:
        return [
            {"order_line": row["line"].pk, "quantity": self.cleaned_data.get(row["field_name"])}
            for row in self.rows
            if self.cleaned_data.get(row["field_name"])
        ]

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(row["field_name"]) for row in self.rows):
            raise forms.ValidationError(_("Enter a quantity for at least one line."))
        return cleaned


class OrderFromQuoteForm(forms.Form):
    win_opportunity = forms.BooleanField(
        label=_("Also close the opportunity as won with the quote total"), required=False,
        initial=True)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class OrderLineForm(DocumentLineForm):
    """A line added to an active order: the shared line editor (`catalog/_line_fields.html`)
    with the product lookup, like quote and opportunity lines."""

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        quote = order.quote if order is not None and order.quote_id else None
        self.setup_product_field(price_list_id=quote.price_list_id if quote else None)

    def clean_quantity(self):
        value = self.cleaned_data.get("quantity")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("Must be more than zero."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("product") and not (data.get("write_in_name") or "").strip():
            self.add_error("product", _("Choose a product or type a write-in name."))
        return data
