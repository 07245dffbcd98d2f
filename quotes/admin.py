"""Admin: browse every quote; a draft's header can be edited (through the services), anything
else is read-only here as everywhere. Lines are edited on the quote page."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from crm.common.errors import DomainError

from . import services
from .models import Quote, QuoteLine, QuoteStatus

EDITABLE = ["name", "valid_until", "payment_terms", "description", "discount_percent",
            "discount_amount", "freight_amount"]


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fields = ["sort_order", "product_name", "sku", "quantity", "unit_price", "manual_discount",
              "tax_rate", "amount", "tax"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["number", "revision", "name", "account", "status", "status_reason", "total",
                    "currency", "valid_until", "owner"]
    list_filter = ["status", "status_reason", "payment_terms"]
    search_fields = ["number", "name", "account__name"]
    list_select_related = ["account", "owner"]
    show_full_result_count = False
    inlines = [QuoteLineInline]
    fields = ["number", "revision", "status", "status_reason", "opportunity", "account",
              "contact", "price_list", "currency", *EDITABLE, "detail_amount", "total_discount",
              "total_tax", "total", "owner"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == QuoteStatus.DRAFT:
            return [f for f in self.fields if f not in EDITABLE]
        return self.fields

    def has_add_permission(self, request):
        return False  # quotes are created from an opportunity or the New quote page

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != QuoteStatus.DRAFT:
            return False  # only drafts are editable, on every path
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != QuoteStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the draft-only rule
        return actions

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
        try:
            services.quote_update(quote=obj, actor=request.user, **data)
        except (DomainError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or str(exc))

    def delete_model(self, request, obj):
        services.quote_delete(quote=obj, actor=request.user)
