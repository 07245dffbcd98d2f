from django.contrib import admin

from .models import Activity, Event, TimelineDirtyRecord


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "state", "owner", "due_at", "starts_at", "created_at"]
    list_filter = ["kind", "state", "priority"]
    search_fields = ["subject", "description"]
    raw_id_fields = ["owner", "account", "contact"]
    readonly_fields = ["state", "completed_at", "canceled_at", "timeline_synced"]
    list_select_related = ["owner"]

    def has_add_permission(self, request):
        return False  # through the record pages or the API (one service for every write)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["record_type", "record_id", "action", "from_state", "to_state", "actor",
                    "occurred_at", "timeline_synced"]
    list_filter = ["record_type", "action", "timeline_synced"]
    search_fields = ["action", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TimelineDirtyRecord)
class TimelineDirtyRecordAdmin(admin.ModelAdmin):
    list_display = ["record_type", "record_id", "full", "created_at"]
