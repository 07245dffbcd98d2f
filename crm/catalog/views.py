from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common.formatting import format_money
from crm.common.views import ListPageView

from . import selectors


def _product_status_cell(row, page):
    if row["active"]:
        return f'<span class="pill pill-ok">{L.esc(_("active"))}</span>'
    return f'<span class="pill">{L.esc(_("retired"))}</span>'


PRODUCT_COLUMNS = [
    L.Column("sku", _l("SKU"), ("sku",), L.text("sku"), sort="sku"),
    L.Column("name", _l("Name"), ("name",), L.link("name", "product-detail"), sort="name"),
    L.Column("unit", _l("Unit"), ("unit",), L.text("unit"), sort="unit"),
    L.Column("status", _l("Status"), ("active",), _product_status_cell),
]


class ProductListView(ListPageView):
    template_name = "catalog/product_list.html"
    search_fields = ("name", "sku")
    sort_fields = {"name": "name", "sku": "sku", "unit": "unit"}
    default_sort = "name"
    columns = PRODUCT_COLUMNS

    def get_base_queryset(self):
        return selectors.product_list(user=self.request.user)


class ProductDetailView(LoginRequiredMixin, TemplateView):
    template_name = "catalog/product_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        product = selectors.product_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(object=product, prices=product.price_items.select_related("price_list"))
        return ctx


class ProductLookupView(LoginRequiredMixin, View):
    """Active products matching `q` (name or SKU), for the line forms' LookupSelect.

    `price_list=<id>`: only the products that list carries, labelled with its price.
    Answers `<option>`s (htmx), or JSON with `Accept: application/json`.
    """

    limit = 20

    def get(self, request):
        term = (request.GET.get("q") or request.GET.get(
            f"{request.GET.get('field', '')}__lookup") or "").strip()
        price_list = request.GET.get("price_list", "")
        price_list_id = int(price_list) if price_list.isdigit() and len(price_list) < 19 else None
        products = selectors.product_search(user=request.user, term=term,
                                            price_list_id=price_list_id, limit=self.limit)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"results": [
                {"id": p.pk, "sku": p.sku, "name": p.name, "unit": p.unit,
                 "unit_price": None if p.list_price is None else str(p.list_price)}
                for p in products]})
        if not products:
            return HttpResponse(format_html('<option value="">{}</option>', _("No match")))
        options = format_html_join("", '<option value="{}">{}</option>', (
            (p.pk, str(p) if p.list_price is None else f"{p} · {format_money(p.list_price)}")
            for p in products))
        return HttpResponse(format_html('<option value="">{}</option>', _("— choose —"))
                            + options)
