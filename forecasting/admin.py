from django.contrib import admin

from .models import ForecastAdjustment, ForecastSnapshot, Quota


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ["user", "period_type", "period_start", "amount", "set_by"]
    list_filter = ["period_type", "period_start"]
    raw_id_fields = ["user", "set_by"]


@admin.register(ForecastAdjustment)
class ForecastAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["user", "period_type", "period_start", "amount", "is_reset", "adjusted_by",
                    "created_at"]
    list_filter = ["period_type", "period_start"]
    raw_id_fields = ["user", "adjusted_by"]

    def has_change_permission(self, request, obj=None):
        return False  # history is append-only; adjust from the forecast page


@admin.register(ForecastSnapshot)
class ForecastSnapshotAdmin(admin.ModelAdmin):
    list_display = ["user", "period_type", "period_start", "taken_on", "won", "committed",
                    "adjusted"]
    list_filter = ["period_type", "taken_on"]
    raw_id_fields = ["user"]
