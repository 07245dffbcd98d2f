"""`views/?resource=leads` (API.md): saved list views, CRUD.

A caller lists and reads their own views and those shared with them (team, everyone); another
user's private view is a 404. Only the owner changes or deletes a view (403 otherwise).
"""

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter

from crm.common.api import ETagMixin, IdempotencyMixin

from . import selectors, services
from .models import SavedView, SharedWith
from .resources import RESOURCE_CHOICES


@extend_schema_field({"type": "object", "additionalProperties": {
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}})
class FiltersField(serializers.JSONField):
    """{parameter: value or [values]} (a JSON object)."""


class SavedViewSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=80)
    resource = serializers.ChoiceField(choices=RESOURCE_CHOICES,
                                       help_text="The list: leads, accounts, contacts, "
                                                 "opportunities, quotes, orders, invoices, "
                                                 "activities.")
    filters = FiltersField(required=False, default=dict,
                           help_text="The list page's filter query parameters, e.g. "
                                     '{"status": "open", "owner": "12"}.')
    ordering = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                     default="", help_text="The list's sort, e.g. `-created`.")
    columns = serializers.ListField(child=serializers.CharField(max_length=60), max_length=60,
                                    required=False, default=list,
                                    help_text="Column names in order; empty: the list's own.")
    shared_with = serializers.ChoiceField(choices=SharedWith.choices, required=False,
                                          default=SharedWith.PRIVATE)
    owner = serializers.IntegerField(source="owner_id", read_only=True)

    class Meta:
        model = SavedView
        fields = ["id", "name", "resource", "filters", "ordering", "columns", "shared_with",
                  "owner", "version", "created_at", "updated_at"]
        read_only_fields = ["version", "created_at", "updated_at"]

    def create(self, validated_data):
        return services.view_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.view_update(view=instance, actor=self.context["request"].user,
                                    **validated_data)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter(
    "resource", str, enum=[name for name, _label in RESOURCE_CHOICES],
    description="Only the views of this list.")]))
class SavedViewViewSet(ETagMixin, IdempotencyMixin, viewsets.ModelViewSet):
    """Saved list views: the caller's own and those shared with them (`shared_with` team: the
    owner's team; everyone). `filters` are the list page's filter query parameters, `ordering`
    its sort, `columns` its column names in order. Another user's private view is a 404; only
    the owner changes or deletes a view (403); sharing with the team needs a manager, with
    everyone an admin (400 on `shared_with`). The list page opens one with `?saved=<id>`."""

    serializer_class = SavedViewSerializer
    queryset = SavedView.objects.none()
    lookup_value_regex = r"\d+"
    filter_backends = [OrderingFilter]
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        resource = self.request.query_params.get("resource") or None
        return selectors.view_list(user=self.request.user, resource=resource)

    def get_object(self):
        obj = super().get_object()
        self._etag_instance = obj
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            services.check_can_change(self.request.user, obj)
            self.check_if_match(obj)
        return obj

    def perform_destroy(self, instance):
        services.view_delete(view=instance, actor=self.request.user)


def register(router):
    router.register("views", SavedViewViewSet, basename="saved-view")
