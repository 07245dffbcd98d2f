from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import ImportMapping, Lead, LeadImport, WebForm
from .webtolead import FIELD_MAP, HONEYPOT_FIELD


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    """Read-mostly: leads change through the app's pages and services (state rules, events)."""

    list_display = ["__str__", "topic", "status", "source", "owner", "created_at"]
    list_filter = ["status", "source", "rating"]
    search_fields = ["last_name", "company", "email"]
    list_select_related = ["owner"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Lead._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LeadImport)
class LeadImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "owner", "status", "total", "created_count", "error_count",
                    "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in LeadImport._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["header_key", "updated_at"]


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    """Web-to-lead forms: copy the HTML snippet into the website."""

    list_display = ["name", "owner", "is_active", "rate_limit_per_hour", "created_at"]
    readonly_fields = ["token", "snippet"]
    fields = ["name", "owner", "default_topic", "redirect_url", "is_active",
              "rate_limit_per_hour", "token", "snippet"]

    @admin.display(description="HTML for your website")
    def snippet(self, obj):
        if not obj.pk:
            return "Save the form first."
        url = reverse("web-to-lead", args=[obj.token])
        inputs = "\n".join(
            f'  <label>{name.replace("_", " ").title()} <input name="{name}"></label>'
            for name in ["first_name", "last_name", "company", "email", "phone", "message"]
        )
        html = (
            f'<form method="post" action="https://YOUR-CRM-HOST{url}">\n{inputs}\n'
            f'  <input name="{HONEYPOT_FIELD}" tabindex="-1" autocomplete="off" '
            f'style="position:absolute;left:-9999px" aria-hidden="true">\n'
            f'  <button type="submit">Send</button>\n</form>'
        )
        return format_html("<pre>{}</pre><p>Accepted fields: {}</p>", html,
                           ", ".join(sorted(FIELD_MAP)))
