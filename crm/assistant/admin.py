from django.contrib import admin

from .models import AssistantSettings, Card, DigestLog, ScanState


@admin.register(AssistantSettings)
class AssistantSettingsAdmin(admin.ModelAdmin):
    """One row of thresholds; saving it re-runs a full scan."""

    list_display = ["__str__", "opportunity_idle_days", "lead_idle_days", "close_date_days",
                    "quote_expiry_days", "updated_at"]
    fieldsets = [
        ("Activities", {"fields": ["appointment_soon_minutes"]}),
        ("Leads", {"fields": ["lead_idle_days", "lead_uncontacted_hours"]}),
        ("Opportunities", {"fields": ["close_date_days", "opportunity_idle_days",
                                      "stage_stale_days"]}),
        ("Quotes", {"fields": ["quote_expiry_days"]}),
        ("E-mail", {"fields": ["digest_enabled"]}),
    ]

    def has_add_permission(self, request):
        return not AssistantSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from django.shortcuts import redirect
        from django.urls import reverse

        obj = AssistantSettings.load()
        return redirect(reverse("admin:assistant_assistantsettings_change", args=[obj.pk]))


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "record_type", "record_id", "priority", "due_date",
                    "state"]
    list_filter = ["kind", "state", "priority"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at", "valid_until"]
    show_full_result_count = False


@admin.register(ScanState)
class ScanStateAdmin(admin.ModelAdmin):
    list_display = ["rule", "last_scanned_at", "last_full_scan_at"]


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ["user", "date", "card_count", "sent_at"]
    raw_id_fields = ["user"]
