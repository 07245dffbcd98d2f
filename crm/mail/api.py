"""`mailboxes/` (the caller's mailbox; admins: queues too) and `emails/` (tracked messages).

Sending (`POST emails/`) and `email-templates/` belong to the sending side: `EmailViewSet.create`
delegates to `crm.mail.api_send.email_create`, and `api_send.register(router)` adds its routes.
"""

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.common.api import ETagMixin, IdempotencyMixin
from crm.common.queue import publish

from . import api_send, selectors, services
from .linking import LINKABLE_TYPES
from .models import (
    EmailDirection,
    EmailMessage,
    Mailbox,
    MailboxKind,
    NeverTrack,
    Security,
)
from .serializers import EmailAttachmentSerializer, EmailSerializer  # noqa: F401 (the API's names)
from .tasks import sync_mailbox

_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def _host_name(value: str) -> str:
    """A server name (IDNA) or IP address; anything else would fail only when connecting."""
    value = value.strip()
    if not value:
        return value
    try:
        ascii_name = value.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    if not _HOST_NAME.fullmatch(ascii_name):
        raise serializers.ValidationError(_("Enter a server name, e.g. imap.example.com."))
    return value


class MailboxSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                     trim_whitespace=False, style={"input_type": "password"},
                                     help_text="Write-only; blank or absent keeps the stored one.")
    kind = serializers.ChoiceField(choices=MailboxKind.choices, default=MailboxKind.PERSONAL)
    imap_security = serializers.ChoiceField(choices=Security.choices, default=Security.SSL)
    smtp_security = serializers.ChoiceField(choices=Security.choices, default=Security.STARTTLS)
    folders = serializers.ListField(child=serializers.CharField(max_length=255),
                                    required=False, max_length=20)

    class Meta:
        model = Mailbox
        fields = ["id", "kind", "owner", "address", "display_name", "imap_host", "imap_port",
                  "imap_security", "smtp_host", "smtp_port", "smtp_security", "username",
                  "password", "folders", "state", "last_sync_at", "last_error",
                  "last_error_at", "version", "created_at", "updated_at"]
        read_only_fields = ["owner", "state", "last_sync_at", "last_error", "last_error_at",
                            "version", "created_at", "updated_at"]
        extra_kwargs = {"username": {"required": False}}

    def validate_imap_host(self, value):
        return _host_name(value)

    def validate_smtp_host(self, value):
        return _host_name(value)

    def create(self, validated_data):
        password = validated_data.pop("password", None)
        return services.mailbox_save(actor=self.context["request"].user, password=password,
                                     **validated_data)

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        validated_data.pop("kind", None)  # a mailbox does not change kind
        return services.mailbox_save(actor=self.context["request"].user, mailbox=instance,
                                     password=password, **validated_data)


ServerAnswer = inline_serializer("MailServerAnswer", {
    "ok": serializers.BooleanField(), "message": serializers.CharField()})


class MailboxViewSet(ETagMixin, IdempotencyMixin, viewsets.ModelViewSet):
    serializer_class = MailboxSerializer
    lookup_value_regex = r"\d+"
    queryset = Mailbox.objects.none()

    def get_queryset(self):
        return selectors.mailbox_list(user=self.request.user).order_by("kind", "id")

    def get_object(self):
        obj = super().get_object()
        self._etag_instance = obj
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            self.check_if_match(obj)
        return obj

    def perform_destroy(self, instance):
        services.mailbox_delete(actor=self.request.user, mailbox=instance)

    @extend_schema(request=None, responses={202: inline_serializer("MailboxSyncQueued", {
        "status": serializers.CharField()})})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Start a sync now (a disabled mailbox is re-enabled by saving its settings)."""
        mailbox = self.get_object()
        publish(sync_mailbox, mailbox.pk)
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=inline_serializer("MailboxTest", {
        "password": serializers.CharField(required=False)}),
        responses=inline_serializer("MailboxTestResult", {"imap": ServerAnswer,
                                                          "smtp": ServerAnswer}))
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Log in to the IMAP and SMTP servers; answers each server's own message."""
        mailbox = self.get_object()
        password = request.data.get("password") if hasattr(request.data, "get") else None
        return Response(services.mailbox_test_connection(mailbox=mailbox,
                                                         password=password or None))


class EmailLinkSerializer(serializers.Serializer):
    regarding_type = serializers.ChoiceField(choices=list(LINKABLE_TYPES))
    regarding_id = serializers.IntegerField(min_value=1)


class EmailViewSet(ETagMixin, IdempotencyMixin, mixins.ListModelMixin,
                   mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tracked messages the caller may read. Filters: `thread`, `regarding_type`,
    `regarding_id`, `direction`."""

    serializer_class = EmailSerializer
    lookup_value_regex = r"\d+"
    queryset = EmailMessage.objects.none()
    filter_backends = []
    # POST: the regarded record or `reply_to` message is unknown or out of the caller's reach.
    schema_error_statuses = {"create": {404}}

    def get_queryset(self):
        qs = selectors.email_list(user=self.request.user)
        if self.action == "list":
            params = self.request.query_params
            direction = params.get("direction")
            if direction and direction not in EmailDirection.values:
                return qs.none()
            qs = selectors.email_filter(
                qs, thread=_int(params.get("thread")),
                regarding_type=params.get("regarding_type") or None,
                regarding_id=_int(params.get("regarding_id")), direction=direction)
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        request=api_send.EmailSendSerializer, responses={201: EmailSerializer},
        description="Send an email from a record (stored, then sent in the background).",
    )
    def create(self, request, *args, **kwargs):
        """Send an email (the sending side's `api_send.email_create`)."""
        return api_send.email_create(self, request, *args, **kwargs)

    @extend_schema(request=EmailLinkSerializer, responses=EmailSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        """Link the message (and its thread) to a record the caller may read."""
        message = self.get_object()
        body = EmailLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = services.message_link(
            message=message, record_type=body.validated_data["regarding_type"],
            record_id=body.validated_data["regarding_id"], actor=request.user)
        message = selectors.email_get(user=request.user, pk=message.pk)
        return Response(self.get_serializer(message).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def untrack(self, request, pk=None):
        """Remove the message from the CRM; the caller's mailbox never brings it back."""
        message = self.get_object()
        services.message_untrack(message=message, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NeverTrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = NeverTrack
        fields = ["id", "pattern", "created_at"]
        read_only_fields = ["created_at"]

    def create(self, validated_data):
        return services.never_track_add(actor=self.context["request"].user,
                                        pattern=validated_data["pattern"])


class NeverTrackViewSet(mixins.ListModelMixin, mixins.CreateModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's addresses (`name@example.com`) and domains (`@example.com`) never to track."""

    serializer_class = NeverTrackSerializer
    lookup_value_regex = r"\d+"
    queryset = NeverTrack.objects.none()
    filter_backends = []

    def get_queryset(self):
        return selectors.never_track_list(user=self.request.user).order_by("pattern", "id")

    def perform_destroy(self, instance):
        services.never_track_remove(actor=self.request.user, entry=instance)


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1


def register(router) -> None:
    router.register("mailboxes", MailboxViewSet, basename="mailbox")
    router.register("emails", EmailViewSet, basename="email")
    router.register("never-track", NeverTrackViewSet, basename="never-track")
    api_send.register(router)


urlpatterns = list(api_send.urlpatterns)  # the sending side's extra paths
