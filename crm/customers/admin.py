from django.contrib import admin

from .models import Account, Contact


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "city", "country", "owner", "created_at"]
    list_filter = ["industry", "country"]
    search_fields = ["name", "email"]
    list_select_related = ["owner"]
    raw_id_fields = ["parent", "primary_contact", "owner"]
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "account", "owner"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["owner", "account"]
    raw_id_fields = ["account", "owner"]
    show_full_result_count = False
