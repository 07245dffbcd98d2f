from urllib.parse import urlencode

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.common.api import ScopedModelViewSet
from crm.common.db import fixed_join_order
from crm.common.fastlist import FastListMixin
from crm.common.schema import AnsweredChoiceField
from crm.users.models import User

from . import selectors, services
from .filters import ActivityFilter
from .models import REGARDING_FIELDS, TIMELINE_KINDS, Activity, ActivityState, TimelineEntry


class ActivitySerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    regarding_type = serializers.ChoiceField(choices=list(REGARDING_FIELDS))
    regarding_id = serializers.IntegerField(min_value=1)
    regarding_name = serializers.SerializerMethodField()
    state = AnsweredChoiceField(
        choices=[c for c in ActivityState.choices if c[0] != ActivityState.CANCELED],
        required=False, response_choices=ActivityState.choices,  # read back: canceled too
        help_text="On create only: `completed` logs an activity that already happened. "
                  "Afterwards use the complete/cancel actions.",
    )

    class Meta:
        model = Activity
        fields = [
            "id", "kind", "subject", "description", "state", "priority", "due_at",
            "starts_at", "ends_at", "location", "attendees", "direction", "duration_minutes",
            "email_from", "email_to", "attachment", "regarding_type", "regarding_id",
            "regarding_name", "owner", "completed_at", "canceled_at", "version", "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_at", "canceled_at", "version", "created_at",
                            "updated_at"]
        extra_kwargs = {"subject": {"required": False}}

    def get_regarding_name(self, obj) -> str:
        regarding = obj.regarding
        return str(regarding) if regarding is not None else ""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["state"] = instance.state
        # Attachments are served through a permission-checked view, never a public media URL.
        data["attachment"] = self.context["request"].build_absolute_uri(
            reverse("activity-attachment", args=[instance.pk])) if instance.attachment else None
        return data

    def _regarding(self, attrs):
        user = self.context["request"].user
        try:
            return services.resolve_regarding(user=user, record_type=attrs["regarding_type"],
                                              record_id=attrs["regarding_id"])
        except Http404:
            raise ValidationError({"regarding_id": ["No such record."]}) from None

    def validate(self, attrs):
        if self.instance is not None:
            if "kind" in attrs and attrs["kind"] != self.instance.kind:
                raise ValidationError({"kind": ["The kind of an activity cannot change."]})
            if "state" in attrs and attrs["state"] != self.instance.state:
                raise ValidationError({"state": [
                    "Use the complete/ or cancel/ action to change the state."]})
            if ("regarding_type" in attrs) != ("regarding_id" in attrs):
                raise ValidationError({"regarding_id": [
                    "Send regarding_type and regarding_id together."]})
        if "regarding_type" in attrs and "regarding_id" in attrs:
            attrs["regarding"] = self._regarding(attrs)
        return attrs

    def create(self, validated_data):
        data = dict(validated_data)
        for name in ("regarding_type", "regarding_id"):
            data.pop(name, None)
        state = data.pop("state", ActivityState.OPEN)
        return services.activity_create(
            actor=self.context["request"].user, kind=data.pop("kind"),
            regarding=data.pop("regarding"), owner=data.pop("owner", None),
            completed=state == ActivityState.COMPLETED, **data,
        )

    def update(self, instance, validated_data):
        data = dict(validated_data)
        for name in ("regarding_type", "regarding_id", "kind", "state"):
            data.pop(name, None)
        return services.activity_update(
            activity=instance, actor=self.context["request"].user,
            owner=data.pop("owner", None), regarding=data.pop("regarding", None), **data,
        )

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["regarding_type"].required = False
            fields["regarding_id"].required = False
        return fields


_REGARDING_COLUMNS = tuple(f"{field}_id" for field in REGARDING_FIELDS.values())


def _row_regarding(row):
    for type_name, field in REGARDING_FIELDS.items():
        record_id = row[f"{field}_id"]
        if record_id is not None:
            return type_name, record_id
    return None, None


def _fast_regarding_type(view, rows):
    return lambda row: _row_regarding(row)[0]


def _fast_regarding_id(view, rows):
    return lambda row: _row_regarding(row)[1]


def _fast_state(view, rows):
    return lambda row: row["state"]  # as `ActivitySerializer.to_representation` sets it


def _fast_attachment(view, rows):
    request = view.request

    def attachment(row):
        if not row["attachment"]:
            return None
        return request.build_absolute_uri(reverse("activity-attachment", args=[row["id"]]))
    return attachment


# The fields `str()` of each regarding record reads (the models' `__str__` and the properties
# it uses), read by the list's own query; a record whose `__str__` wants anything else is
# loaded whole (selectors.regarding_names), so the name is always the model's own.
_REGARDING_LABEL_FIELDS = {
    "account": ("name",),
    "contact": ("first_name", "last_name"),
    "lead": ("first_name", "last_name", "company", "topic"),
    "opportunity": ("topic",),
    "quote": ("number", "revision", "name"),
    "order": ("number", "name"),
    "invoice": ("number", "id"),
}


def _label_column(type_name, name):
    field = REGARDING_FIELDS[type_name]
    return f"{field}_id" if name == "id" else f"{field}__{name}"


_REGARDING_LABEL_COLUMNS = tuple(_label_column(type_name, name)
                                 for type_name, names in _REGARDING_LABEL_FIELDS.items()
                                 for name in names)


class _LabelFields:
    """A regarding record's label fields, read like the instance: the model's properties are
    computed on them; anything else is an AttributeError (then the record is loaded)."""

    __slots__ = ("_model", "_values")

    def __init__(self, model, values):
        self._model = model
        self._values = values

    def __getattr__(self, name):
        values = self._values
        if name in values:
            return values[name]
        if name == "pk" and "id" in values:
            return values["id"]
        attr = getattr(self._model, name, None)
        if isinstance(attr, property):
            return attr.fget(self)
        raise AttributeError(name)


def _fast_regarding_name(view, rows):
    """`str()` of each row's regarding record from the row's label columns."""
    models = {type_name: Activity._meta.get_field(field).related_model
              for type_name, field in REGARDING_FIELDS.items()}
    names, missing = {}, []
    for row in rows:
        type_name, record_id = _row_regarding(row)
        if type_name is None or (type_name, record_id) in names:
            continue
        model = models[type_name]
        fields = {name: row[_label_column(type_name, name)]
                  for name in _REGARDING_LABEL_FIELDS.get(type_name, ())}
        try:
            names[(type_name, record_id)] = str(model.__str__(_LabelFields(model, fields)))
        except AttributeError:
            missing.append((type_name, record_id))
    if missing:
        names.update(selectors.regarding_names(missing))
    return lambda row: names.get(_row_regarding(row), "")


class ActivityViewSet(FastListMixin, ScopedModelViewSet):
    queryset = Activity.objects.none()  # for the schema; requests use the selector
    serializer_class = ActivitySerializer
    # The list from `values()` rows (crm.common.fastlist): what `to_representation` and the
    # method field add, computed per page; tests/api/test_fast_list.py compares both paths.
    fast_list_computed = {
        "regarding_type": (_REGARDING_COLUMNS, _fast_regarding_type),
        "regarding_id": (_REGARDING_COLUMNS, _fast_regarding_id),
        "state": (("state",), _fast_state),
        "attachment": (("id", "attachment"), _fast_attachment),
        "regarding_name": (_REGARDING_COLUMNS + _REGARDING_LABEL_COLUMNS,
                           _fast_regarding_name),
    }
    fast_list_reproduces_overrides = True
    filterset_class = ActivityFilter
    search_fields = ["subject", "description"]
    ordering_fields = ["id", "created_at", "updated_at", "due_at", "starts_at", "priority"]
    ordering = ["-id"]

    def get_base_queryset(self):
        return selectors.activity_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        # owner + seven regarding tables: planning the joins costs more than running them
        with fixed_join_order():
            return super().paginate_queryset(queryset)

    def perform_destroy(self, instance):
        services.activity_delete(activity=instance, actor=self.request.user)

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        activity = services.activity_complete(activity=self.get_object(), actor=request.user)
        return Response(self.get_serializer(activity).data)

    @extend_schema(request=None, responses=ActivitySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = services.activity_cancel(activity=self.get_object(), actor=request.user)
        return Response(self.get_serializer(activity).data)


def serialize_entry(entry: TimelineEntry) -> dict:
    data = {
        "id": entry.pk,
        "kind": entry.kind,
        "occurred_at": serializers.DateTimeField().to_representation(entry.occurred_at),
        "record": f"{entry.source_type}:{entry.source_id}",
        "record_name": entry.source_label,
        "rollup": entry.is_rollup,
        "activity": None,
        "event": None,
    }
    if entry.activity_id:
        a = entry.activity
        data["activity"] = {
            "id": a.pk, "kind": a.kind, "subject": a.subject, "description": a.description,
            "state": a.state, "priority": a.priority, "owner": a.owner_id,
            "owner_name": str(a.owner),
            "due_at": serializers.DateTimeField().to_representation(a.due_at)
            if a.due_at else None,
            "starts_at": serializers.DateTimeField().to_representation(a.starts_at)
            if a.starts_at else None,
        }
    else:
        e = entry.event
        data["event"] = {
            "id": e.pk, "action": e.action, "title": e.title, "from_state": e.from_state,
            "to_state": e.to_state, "note": e.note, "data": e.data, "actor": e.actor_id,
            "actor_name": str(e.actor) if e.actor else "",
        }
    return data


class TimelineAPIView(APIView):
    """`GET timeline/?record=<type>:<id>&kind=` -> newest first, keyset-paginated."""

    @extend_schema(
        parameters=[
            OpenApiParameter("record", OpenApiTypes.STR, required=True,
                             description="`<type>:<id>`, e.g. `account:12`"),
            OpenApiParameter("kind", OpenApiTypes.STR,
                             enum=[k for k, _label in TIMELINE_KINDS]),
            OpenApiParameter("cursor", OpenApiTypes.STR),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=inline_serializer("TimelinePage", {
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": serializers.ListField(child=serializers.DictField()),
        }),
    )
    def get(self, request):
        record_type, record_id = selectors.parse_record_ref(request.query_params.get("record"))
        if not record_type or not record_id.isdigit():
            raise ValidationError({"record": ["Use record=<type>:<id>, e.g. account:12."]})
        rt, record = selectors.record_get(user=request.user, record_type=record_type,
                                          record_id=record_id)
        kind = request.query_params.get("kind", "")
        if kind and kind not in selectors.TIMELINE_KIND_VALUES:
            raise ValidationError({"kind": [f"Unknown kind “{kind}”."]})
        try:
            page_size = min(max(int(request.query_params.get("page_size", 50)), 1), 200)
        except ValueError:
            raise ValidationError({"page_size": ["A whole number from 1 to 200."]}) from None
        page = selectors.timeline_page(user=request.user, record_type=rt.name,
                                       record_id=record.pk, kind=kind,
                                       cursor=request.query_params.get("cursor", ""),
                                       page_size=page_size)
        next_url = None
        if page.next_cursor:
            params = {k: v for k, v in request.query_params.items() if k != "cursor"}
            params["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
        return Response({"next": next_url, "previous": None,
                         "results": [serialize_entry(e) for e in page.entries]})


def register(router):
    router.register("activities", ActivityViewSet, basename="activity")


urlpatterns = [
    path("timeline/", TimelineAPIView.as_view(), name="api-timeline"),
]
