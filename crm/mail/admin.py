from django.contrib import admin

from .models import EmailMessage, Mailbox, MailSettings, NeverTrack


@admin.register(MailSettings)
class MailSettingsAdmin(admin.ModelAdmin):
    """One row: the "no reply after N days" card threshold and the admin's competitor list."""

    list_display = ["__str__", "no_reply_days", "updated_at"]
    fields = ["no_reply_days", "competitors"]

    def has_add_permission(self, request):
        return not MailSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    """Read-mostly: mailboxes are configured on the Email pages (the password never shows)."""

    list_display = ["address", "kind", "owner", "state", "last_sync_at", "auth_failures"]
    list_filter = ["kind", "state"]
    search_fields = ["address", "owner__username"]
    exclude = ["password_encrypted"]
    readonly_fields = ["state", "last_sync_at", "last_error", "last_error_at", "auth_failures"]


@admin.register(EmailMessage)
class EmailMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "from_address", "direction", "status", "sent_at"]
    list_filter = ["direction", "status"]
    search_fields = ["subject", "from_address", "message_id"]
    raw_id_fields = ["thread", "activity", "sent_by", "mailbox"]
    exclude = ["tracked_by"]


@admin.register(NeverTrack)
class NeverTrackAdmin(admin.ModelAdmin):
    list_display = ["pattern", "user", "created_at"]
    search_fields = ["pattern", "user__username"]
