"""The sending side of the API: `POST emails/` (through mail-core's EmailViewSet.create),
`POST emails/{id}/retry/`, and `email-templates/` (CRUD + `preview/`)."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.activities.models import REGARDING_FIELDS
from crm.activities.selectors import record_get
from crm.common.api import ETagMixin, IdempotencyMixin
from crm.common.visibility import is_admin

from . import selectors, sending
from .models import EmailTemplate
from .serializers import EmailSerializer
from .views_compose import template_syntax_errors

MAX_ID = 2**63 - 1


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "email"},
                      "maxItems": 100})
class AddressListField(serializers.Field):
    """A list of addresses, or one string with commas: validated by the service."""

    def to_internal_value(self, data):
        if data in (None, ""):
            return []
        if isinstance(data, str):
            return [data]
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            if len(data) > sending.MAX_RECIPIENTS:
                raise serializers.ValidationError(
                    f"At most {sending.MAX_RECIPIENTS} recipients.")
            return data
        raise serializers.ValidationError(_("Give a list of e-mail addresses."))

    def to_representation(self, value):
        return value


class EmailSendSerializer(serializers.Serializer):
    regarding_type = serializers.ChoiceField(choices=list(REGARDING_FIELDS))
    regarding_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    to = AddressListField(required=False, help_text="Default: the record's address.")
    cc = AddressListField(required=False)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                    help_text="Default: the template's. Merge fields allowed.")
    body = serializers.CharField(required=False, allow_blank=True, max_length=200_000,
                                 trim_whitespace=False,
                                 help_text="Plain text; merge fields allowed.")
    html = serializers.CharField(required=False, allow_blank=True, max_length=500_000,
                                 trim_whitespace=False, help_text="Optional HTML part.")
    template = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        max_value=MAX_ID)
    context = serializers.JSONField(required=False,
                                    help_text="Extra merge values: {name: value} or "
                                              "{name: {attr: value}}.")
    attach = serializers.ListField(child=serializers.JSONField(), required=False,
                                   max_length=10,
                                   help_text='Documents as PDF: ["quote:12", "invoice:3"].')
    reply_to = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        max_value=MAX_ID,
                                        help_text="The id of the email this one answers.")

    def validate(self, attrs):
        if not attrs.get("body") and not attrs.get("template"):
            raise serializers.ValidationError({"body": ["Give a body or a template."]})
        return attrs


def email_create(viewset, request, *args, **kwargs):
    """`POST emails/`: store and queue one email; 201 with the stored message."""
    body = EmailSendSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    reply_to = (selectors.email_get(user=request.user, pk=data["reply_to"])
                if data.get("reply_to") else None)
    message = sending.email_send(
        actor=request.user, regarding_type=data["regarding_type"],
        regarding_id=data["regarding_id"], to=data.get("to"), cc=data.get("cc"),
        subject=data.get("subject", ""), body=data.get("body", ""), html=data.get("html", ""),
        template=data.get("template"), context=data.get("context"),
        attach=data.get("attach") or (), reply_to=reply_to,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    message = selectors.email_get(user=request.user, pk=message.pk)
    viewset._etag_instance = message
    return Response(EmailSerializer(message, context=viewset.get_serializer_context()).data,
                    status=status.HTTP_201_CREATED)


class EmailRetryView(IdempotencyMixin, APIView):
    """`POST emails/{id}/retry/`: send a failed email again (never a sent one: 409)."""

    @extend_schema(request=None, responses={200: EmailSerializer}, operation_id="emails_retry")
    def post(self, request, pk):
        message = selectors.email_get(user=request.user, pk=pk)
        sending.email_retry(message=message, actor=request.user)
        message = selectors.email_get(user=request.user, pk=pk)
        return Response(EmailSerializer(message, context={"request": request}).data)


class EmailTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailTemplate
        fields = ["id", "name", "subject", "body", "shared", "owner", "version", "created_at",
                  "updated_at"]
        read_only_fields = ["owner", "version", "created_at", "updated_at"]

    def validate(self, attrs):
        subject = attrs.get("subject", getattr(self.instance, "subject", ""))
        body = attrs.get("body", getattr(self.instance, "body", ""))
        errors = template_syntax_errors(subject, body)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        return sending.email_template_save(actor=self.context["request"].user,
                                           data=validated_data)

    def update(self, instance, validated_data):
        return sending.email_template_save(actor=self.context["request"].user,
                                           template=instance, data=validated_data)


class TemplatePreviewSerializer(serializers.Serializer):
    regarding_type = serializers.ChoiceField(choices=list(REGARDING_FIELDS))
    regarding_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    context = serializers.JSONField(required=False)


class EmailTemplateViewSet(ETagMixin, IdempotencyMixin, viewsets.ModelViewSet):
    """The caller's templates and the shared ones; only the owner or an admin changes one."""

    serializer_class = EmailTemplateSerializer
    queryset = EmailTemplate.objects.none()
    lookup_value_regex = r"\d+"
    search_fields = ["name", "subject"]

    def get_queryset(self):
        return sending.template_list(user=self.request.user)

    def get_object(self):
        obj = super().get_object()
        self._etag_instance = obj
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and self.action != "preview":
            if obj.owner_id != self.request.user.pk and not is_admin(self.request.user):
                raise PermissionDenied("Only the template's owner or an admin can change it.")
            self.check_if_match(obj)
        return obj

    def perform_destroy(self, instance):
        sending.email_template_delete(actor=self.request.user, template=instance)

    @extend_schema(request=TemplatePreviewSerializer, responses=inline_serializer(
        "EmailTemplatePreview", {"subject": serializers.CharField(),
                                 "body": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """The template merged with a record's real values (400 naming unknown fields)."""
        template = self.get_object()
        body = TemplatePreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _rt, record = record_get(user=request.user,
                                 record_type=body.validated_data["regarding_type"],
                                 record_id=body.validated_data["regarding_id"])
        rendered = sending.merge_for(actor=request.user, record=record,
                                     subject=template.subject, body=template.body,
                                     extra=body.validated_data.get("context"))
        return Response({"subject": rendered.subject, "body": rendered.body})


def register(router) -> None:
    router.register("email-templates", EmailTemplateViewSet, basename="email-template")


urlpatterns = [
    path("emails/<int:pk>/retry/", EmailRetryView.as_view(), name="email-retry"),
]

__all__ = ["email_create", "register", "urlpatterns"]
