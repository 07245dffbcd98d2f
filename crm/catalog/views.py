from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from crm.common.views import ListPageView

from . import selectors


class ProductListView(ListPageView):
    template_name = "catalog/product_list.html"
    search_fields = ("name", "sku")
    sort_fields = {"name": "name", "sku": "sku", "unit": "unit"}
    default_sort = "name"

    def get_base_queryset(self):
        return selectors.product_list(user=self.request.user)


class ProductDetailView(LoginRequiredMixin, TemplateView):
    template_name = "catalog/product_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        product = selectors.product_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(object=product, prices=product.price_items.select_related("price_list"))
        return ctx
