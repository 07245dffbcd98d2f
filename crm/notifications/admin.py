from django.contrib import admin

from .models import Follow, Notification, NotificationPreference, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "record_type", "record_id", "author", "created_at", "edited_at"]
    list_filter = ["record_type"]
    search_fields = ["body", "author__username"]
    raw_id_fields = ["author", "parent", "event"]
    readonly_fields = ["record_type", "record_id", "author", "parent", "event", "created_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "reason", "record_type", "record_id", "created_at",
                    "read_at", "email_status"]
    list_filter = ["reason", "email_status"]
    raw_id_fields = ["recipient", "actor", "event", "post"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "record_type", "record_id", "active", "created_at"]
    raw_id_fields = ["user"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_delivery"]
    raw_id_fields = ["user"]
