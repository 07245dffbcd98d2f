"""The product half of a document line form (opportunity and quote lines share it)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.common.widgets import LookupSelect

from .models import LINE_QUANTITY, TAX_RATE, Product


class ProductLineFormMixin:
    """For a form with a `product` ModelChoiceField: the choices are the active products (on
    the document's price list when it has one) and the widget is a searchable lookup, so the
    page never renders the whole catalog as `<option>`s."""

    product_lookup_url_name = "product-lookup"

    def setup_product_field(self, *, price_list_id=None):
        field = self.fields.get("product")
        if field is None:
            return
        products = Product.objects.filter(active=True)
        if price_list_id:
            products = products.filter(price_items__price_list_id=price_list_id)
        field.queryset = products.order_by("name")
        params = {"price_list": price_list_id} if price_list_id else {}
        field.widget = LookupSelect(self.product_lookup_url_name, params=params,
                                    search_label=_("Search products by name or SKU"))
        field.widget.choices = field.choices
        field.help_text = field.help_text or _("Type a name or SKU to search the catalog.")


class DocumentLineForm(ProductLineFormMixin, forms.Form):
    """The fields of a line added to a quote or an order: a catalog product or a write-in, the
    quantity, and optional price, discount and tax overrides (empty: the catalog's values)."""

    product = forms.ModelChoiceField(label=_("Product"), required=False,
                                     queryset=Product.objects.none())
    write_in_name = forms.CharField(label=_("or write-in"), required=False, max_length=200)
    quantity = forms.DecimalField(label=_("Qty"), min_value=0, **LINE_QUANTITY, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), required=False, min_value=0,
                                    max_digits=18, decimal_places=2,
                                    help_text=_("Empty: the price list's price."))
    manual_discount = forms.DecimalField(label=_("Discount"), required=False, min_value=0,
                                         max_digits=18, decimal_places=2)
    tax_rate = forms.DecimalField(label=_("Tax %"), required=False, min_value=0,
                                  max_value=100, **TAX_RATE,
                                  help_text=_("Empty: the product's rate."))
