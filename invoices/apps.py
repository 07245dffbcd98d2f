from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _order_parents(order):
    return [(name, getattr(order, f"{name}_id")) for name in
            ("account", "contact", "opportunity", "quote") if getattr(order, f"{name}_id")]


def _invoice_parents(invoice):
    parents = [(name, getattr(invoice, f"{name}_id")) for name in
               ("account", "contact", "opportunity", "order") if getattr(invoice, f"{name}_id")]
    return parents


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = "Orders and invoices"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.common.registries import (
            DetailPanel,
            RecordType,
            SearchProvider,
            record_types,
            register_panel,
            register_search,
        )

        from . import panels, selectors

        record_types.register(RecordType(
            name="order", model_label="invoices.Order", verbose_name=_("Order"),
            url_name="order-detail", parents=_order_parents,
            title=lambda o: f"{o.number} {o.name}",
        ))
        record_types.register(RecordType(
            name="invoice", model_label="invoices.Invoice", verbose_name=_("Invoice"),
            url_name="invoice-detail", parents=_invoice_parents,
            title=lambda i: f"{i.display_number} {i.name}",
        ))
        register_search(SearchProvider("orders", "Orders", selectors.order_search, order=80))
        register_search(SearchProvider("invoices", "Invoices", selectors.invoice_search,
                                       order=90))
        register_panel("quote", DetailPanel(
            name="create_order", template_name="invoices/_quote_create_order.html",
            context=panels.quote_create_order, column="top", order=10,
        ))
        for record_type in ("account", "opportunity"):
            register_panel(record_type, DetailPanel(
                name="orders_invoices", template_name="invoices/_related_documents.html",
                context=panels.related_documents, column="main", order=60,
            ))
