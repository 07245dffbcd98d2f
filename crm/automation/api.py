"""`webhooks/`, `webhooks/{id}/deliveries/` (+ redeliver) and `automation/rules/` (+ runs and a
dry run): admins only (403 for everyone else)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from crm.common.api import ETagMixin, IdempotencyMixin
from crm.common.registries import record_types
from crm.common.visibility import get_readable_or_404, is_admin

from . import selectors, services
from .conditions import OPERATORS  # noqa: F401  (documented in the schema description)
from .models import DeliveryStatus, Rule, RuleRun, RunStatus, Trigger, Webhook, WebhookDelivery

MAX_ID = 2**62


class IsCrmAdmin(permissions.BasePermission):
    message = "Only admins can manage webhooks and automation rules."

    def has_permission(self, request, view):
        return is_admin(request.user)


class WebhookSerializer(serializers.ModelSerializer):
    url = serializers.CharField(max_length=500)
    secret = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   help_text="HMAC-SHA256 key; empty or omitted: generated.")
    events = serializers.ListField(child=serializers.CharField(max_length=80), max_length=200,
                                   required=False,
                                   help_text="Event types, e.g. lead.created; empty: all.")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Webhook
        fields = ["id", "name", "url", "secret", "events", "active", "created_by",
                  "failing_since", "last_success_at", "disabled_at", "disabled_reason",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["created_by", "failing_since", "last_success_at", "disabled_at",
                            "disabled_reason", "version", "created_at", "updated_at"]

    def create(self, validated_data):
        return services.webhook_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.webhook_update(webhook=instance, actor=self.context["request"].user,
                                       **validated_data)


class WebhookViewSet(ETagMixin, IdempotencyMixin, viewsets.ModelViewSet):
    serializer_class = WebhookSerializer
    permission_classes = [permissions.IsAuthenticated, IsCrmAdmin]
    queryset = Webhook.objects.none()
    lookup_value_regex = r"\d+"
    filter_backends = [OrderingFilter]
    ordering_fields = ["id", "created_at"]

    def get_queryset(self):
        return selectors.webhook_list()

    def get_object(self):
        obj = super().get_object()
        self._etag_instance = obj
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            self.check_if_match(obj)
        return obj

    def perform_destroy(self, instance):
        services.webhook_delete(webhook=instance, actor=self.request.user)


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.type", read_only=True)
    event_id = serializers.UUIDField(source="event.uuid", read_only=True)
    delivery_id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "delivery_id", "event", "event_id", "record_key", "status",
                  "status_code", "duration_ms", "error", "attempts", "next_attempt_at",
                  "created_at", "first_attempt_at", "finished_at", "redelivery_of"]
        read_only_fields = fields


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Each delivery of one endpoint, newest first: status code, duration, error."""

    serializer_class = DeliverySerializer
    permission_classes = [permissions.IsAuthenticated, IsCrmAdmin]
    queryset = WebhookDelivery.objects.none()
    lookup_value_regex = r"\d+"
    filter_backends: list = []

    def get_webhook(self):
        return get_object_or_404(Webhook, pk=self.kwargs["webhook_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return selectors.delivery_list(webhook=self.get_webhook())

    @extend_schema(request=None, responses={201: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, webhook_pk=None, pk=None):
        """Send the delivery's event again (a new delivery, logged on its own)."""
        delivery = self.get_object()
        new = services.delivery_redeliver(delivery=delivery, actor=request.user)
        return Response(DeliverySerializer(new).data, status=201)


class RuleSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=150)
    # Plain text (validated by the service): the same choice set is already the schema's
    # RegardingTypeEnum, and a second name for it would be ambiguous.
    record_type = serializers.CharField(max_length=30, help_text="One of: " + ", ".join(
        sorted(services.TRANSITIONS)))
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    fields = serializers.ListField(child=serializers.CharField(max_length=100), max_length=100,
                                   required=False,
                                   help_text="trigger=changed: fields that must change.")
    transitions = serializers.ListField(child=serializers.CharField(max_length=40),
                                        max_length=50, required=False,
                                        help_text="trigger=transition: e.g. [\"won\"]; "
                                                  "empty: any.")
    conditions = serializers.JSONField(required=False, help_text=(
        "{\"match\": \"all\"|\"any\", \"conditions\": [{\"field\", \"operator\", \"value\"} "
        "or a nested group]}; operators: " + ", ".join(OPERATORS)))
    actions = serializers.JSONField(required=False, help_text=(
        "[{\"type\": \"assign_owner\"|\"create_task\"|\"send_email\"|\"notify\"|\"set_field\""
        "|\"call_webhook\", ...}]"))
    position = serializers.IntegerField(min_value=0, max_value=10000, required=False)

    class Meta:
        model = Rule
        fields = ["id", "name", "record_type", "trigger", "fields", "transitions", "conditions",
                  "actions", "active", "position", "created_by", "version", "created_at",
                  "updated_at"]
        read_only_fields = ["created_by", "version", "created_at", "updated_at"]

    def create(self, validated_data):
        return services.rule_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.rule_update(rule=instance, actor=self.context["request"].user,
                                    **validated_data)


class RunSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.type", read_only=True)
    event_id = serializers.UUIDField(source="event.uuid", read_only=True)
    status = serializers.ChoiceField(choices=RunStatus.choices, read_only=True)
    results = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = RuleRun
        fields = ["id", "event", "event_id", "record_type", "record_id", "status", "matched",
                  "results", "error", "attempts", "next_attempt_at", "created_at",
                  "finished_at"]
        read_only_fields = fields


class RuleTestSerializer(serializers.Serializer):
    record_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


def _check_dict(check) -> dict:
    return {"text": check.text, "ok": check.ok,
            "children": [_check_dict(c) for c in check.children]}


class RuleViewSet(ETagMixin, IdempotencyMixin, viewsets.ModelViewSet):
    serializer_class = RuleSerializer
    permission_classes = [permissions.IsAuthenticated, IsCrmAdmin]
    queryset = Rule.objects.none()
    lookup_value_regex = r"\d+"
    filter_backends = [OrderingFilter]
    ordering_fields = ["id", "position", "created_at"]

    def get_queryset(self):
        return selectors.rule_list()

    def get_object(self):
        obj = super().get_object()
        self._etag_instance = obj
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and self.action != "test":
            self.check_if_match(obj)
        return obj

    def perform_destroy(self, instance):
        services.rule_delete(rule=instance, actor=self.request.user)

    @extend_schema(responses={200: RunSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def runs(self, request, pk=None):
        """Every run of the rule, newest first: matched, actions done, failures."""
        rule = self.get_object()
        page = self.paginate_queryset(selectors.run_list(rule=rule))
        return self.get_paginated_response(RunSerializer(page, many=True).data)

    @extend_schema(request=RuleTestSerializer, responses=inline_serializer(
        "RuleTestResult", {"matched": serializers.BooleanField(),
                           "checks": serializers.JSONField(),
                           "actions": serializers.ListField(child=serializers.CharField())}))
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """What the rule would do to one record now, without doing it."""
        rule = self.get_object()
        body = RuleTestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rt = record_types.get(rule.record_type)
        record = get_readable_or_404(rt.model.objects.all(), request.user,
                                     owner_field=rt.owner_field, visibility=rt.visibility,
                                     pk=body.validated_data["record_id"])
        result = services.rule_test(rule=rule, record=record)
        return Response({"matched": result["matched"], "checks": _check_dict(result["checks"]),
                         "actions": result["actions"]})


def register(router) -> None:
    router.register("webhooks", WebhookViewSet, basename="webhook")
    router.register(r"webhooks/(?P<webhook_pk>\d+)/deliveries", DeliveryViewSet,
                    basename="webhook-delivery")
    router.register("automation/rules", RuleViewSet, basename="automation-rule")
