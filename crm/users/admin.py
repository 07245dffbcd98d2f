from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, Team, User
from .services import api_token_revoke


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
    actions = ["unlock_login"]

    @admin.action(description=_("Unlock login (forget failed login attempts)"))
    def unlock_login(self, request, queryset):
        """Lift a login lockout now instead of waiting for the cool-off (django-axes)."""
        removed = sum(axes_reset(username=user.username) for user in queryset)
        self.message_user(request, ngettext(
            "%(users)d user unlocked (%(n)d failed attempt record removed).",
            "%(users)d users unlocked (%(n)d failed attempt records removed).",
            removed,
        ) % {"users": queryset.count(), "n": removed}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_start", "created_at", "last_used_at", "expires_at",
                    "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "key_start", "created_at", "last_used_at", "expires_at",
                       "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # a key is shown once, to its owner: create tokens on the profile page

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token, actor=request.user)
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.",
                                            len(tokens)) % len(tokens), messages.SUCCESS)
