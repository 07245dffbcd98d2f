from django.contrib import admin

from .models import CloseRecord, Opportunity, OpportunityLine, StageChange, StageSetting, StageStep


@admin.register(StageStep)
class StageStepAdmin(admin.ModelAdmin):
    """The business process flow's steps: which are required is decided here."""

    list_display = ["label", "stage", "field", "type", "required", "alternative", "order"]
    list_editable = ["required", "order"]
    list_filter = ["stage", "required"]
    ordering = ["stage_order", "order", "id"]
    readonly_fields = ["type"]
    fields = ["stage", "field", "label", "type", "required", "alternative", "order"]


@admin.register(StageSetting)
class StageSettingAdmin(admin.ModelAdmin):
    list_display = ["stage", "default_probability"]
    list_editable = ["default_probability"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OpportunityLine
    fields = ["product", "write_in_name", "quantity", "unit_price", "manual_discount",
              "tax_rate", "amount", "tax"]
    readonly_fields = fields


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ["changed_at", "from_stage", "to_stage", "actor", "time_in_previous_stage"]
    readonly_fields = fields


class CloseRecordInline(ReadOnlyInline):
    model = CloseRecord
    fields = ["created_at", "outcome", "status_reason", "actual_revenue", "close_date",
              "competitor", "note", "actor", "reopened_at"]
    readonly_fields = fields


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Read-only here: opportunities change through the app's services (gates, events)."""

    list_display = ["topic", "account", "owner", "status", "stage", "estimated_revenue",
                    "estimated_close_date", "forecast_category"]
    list_filter = ["status", "stage", "forecast_category"]
    search_fields = ["topic", "account__name"]
    list_select_related = ["owner", "account"]
    show_full_result_count = False
    inlines = [LineInline, StageChangeInline, CloseRecordInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


