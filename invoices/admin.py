from django.contrib import admin

from .models import Invoice, InvoiceLine, Order, OrderLine, Payment


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sequence", "product_name", "quantity", "unit_price", "manual_discount",
              "tax_rate", "amount", "tax"]


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = OrderLineInline.fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["date", "amount", "reference", "recorded_by"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-only: orders change only through the services (pages and API)."""

    list_display = ["number", "name", "account", "status", "total", "currency", "owner",
                    "ordered_on"]
    list_filter = ["status"]
    search_fields = ["number", "name", "account__name"]
    list_select_related = ["account", "owner"]
    inlines = [OrderLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(OrderAdmin):
    list_display = ["number", "name", "account", "status", "status_reason", "total",
                    "amount_paid", "due_date", "owner"]
    list_filter = ["status", "status_reason"]
    inlines = [InvoiceLineInline, PaymentInline]
