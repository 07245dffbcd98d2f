from django.contrib import admin

from .models import PriceList, PriceListItem, Product, TaxRate


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    raw_id_fields = ["product"]
    extra = 1


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "valid_from", "valid_until", "is_default"]
    inlines = [PriceListItemInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "unit", "active", "owner"]
    list_filter = ["active"]
    search_fields = ["sku", "name"]
    raw_id_fields = ["owner"]


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["name", "rate", "is_default", "active"]
