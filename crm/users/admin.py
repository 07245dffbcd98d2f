from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "team", "manager",
                    "is_active"]
    list_filter = ["role", "team", "is_active", "is_staff"]
    list_select_related = ["team", "manager"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("CRM", {"fields": ("role", "team", "manager", "job_title", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("CRM", {"fields": ("role", "team", "manager", "first_name", "last_name", "email")}),
    )
