"""How the API shows an email and its attachments: shared by the mail API (`api.py`) and its
sending side (`api_send.py`), which sits above it."""

from django.urls import reverse
from rest_framework import serializers

from .models import EmailAttachment, EmailMessage


class EmailAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = EmailAttachment
        fields = ["id", "filename", "content_type", "size", "content_id", "skipped_reason",
                  "url"]

    def get_url(self, obj) -> str | None:
        if not obj.file:
            return None
        try:
            path = reverse("mail-attachment", args=[obj.pk])
        except Exception:  # noqa: BLE001 - the download view is the display side's
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class EmailSerializer(serializers.ModelSerializer):
    regarding_type = serializers.SerializerMethodField()
    regarding_id = serializers.SerializerMethodField()
    attachments = EmailAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = EmailMessage
        fields = ["id", "message_id", "thread", "regarding_type", "regarding_id", "direction",
                  "status", "from_address", "from_name", "to", "cc", "subject", "sent_at",
                  "text", "attachments", "in_reply_to", "error", "created_at"]
        read_only_fields = fields

    def get_regarding_type(self, obj) -> str | None:
        return obj.activity.regarding_type if obj.activity_id else None

    def get_regarding_id(self, obj) -> int | None:
        return obj.activity.regarding_id if obj.activity_id else None

    def get_fields(self):
        # `from` is a Python keyword: the model field is `from_address`, the API spelling `from`
        # (declared here rather than renamed in to_representation, so the schema says it too).
        fields = super().get_fields()
        fields["from"] = fields.pop("from_address")
        fields["from"].source = "from_address"
        return fields
