"""`assistant/cards/` (the caller's cards to do now) with `dismiss/` and `snooze/` (API.md)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.common.api import IdempotencyMixin

from . import selectors, services
from .models import Card, Priority
from .registry import kind_label


class CardSerializer(serializers.ModelSerializer):
    priority = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField()
    record_url = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = ["id", "kind", "kind_label", "record_type", "record_id", "record_url",
                  "priority", "title", "body", "due_date", "state", "snoozed_until",
                  "created_at", "updated_at"]
        read_only_fields = fields

    def get_priority(self, card) -> str:
        return Priority(card.priority).name.lower()

    def get_kind_label(self, card) -> str:
        return kind_label(card.kind)

    def get_record_url(self, card) -> str:
        url = card.record_url()
        request = self.context.get("request")
        return request.build_absolute_uri(url) if (url and request) else url


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="When the card comes back; default 1 hour (high priority) or 24 hours.",
    )


class CardAPIFilter(django_filters.FilterSet):
    """`kind`, `record_type` and `priority` spelled as the API returns it (`high`...)."""

    priority = django_filters.ChoiceFilter(
        choices=[(p.name.lower(), p.label) for p in Priority], method="filter_priority")

    class Meta:
        model = Card
        fields = ["kind", "record_type"]

    def filter_priority(self, queryset, name, value):
        return queryset.filter(priority=Priority[value.upper()])


class CardViewSet(IdempotencyMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """The caller's own cards; anyone else's card answers 404."""

    serializer_class = CardSerializer
    queryset = Card.objects.none()  # for the schema; get_queryset() scopes to the caller
    filterset_class = CardAPIFilter
    search_fields = ["title", "body"]
    ordering_fields = ["id", "priority", "due_date", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.card_list(user=self.request.user)
        return Card.objects.filter(user=self.request.user)

    @extend_schema(request=None, responses=CardSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        card = services.card_dismiss(card=self.get_object(), actor=request.user)
        return Response(CardSerializer(card, context={"request": request}).data)

    @extend_schema(request=SnoozeSerializer, responses=CardSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        card = self.get_object()
        payload = SnoozeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        card = services.card_snooze(card=card, actor=request.user,
                                    until=payload.validated_data.get("until"))
        return Response(CardSerializer(card, context={"request": request}).data)


def register(router):
    router.register("assistant/cards", CardViewSet, basename="assistant-card")
