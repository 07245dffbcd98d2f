"""REST API v1: `leads/` CRUD, `disqualify/`, `reactivate/`, `mark-contacted/`, `duplicates/`,
`import/` (API.md). `leads/{id}/qualify/` lives in opportunities.conversion_api (the downstream
app owns the conversion)."""

import json

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from crm.common.api import ScopedModelViewSet
from crm.common.csvexport import CSVRenderer
from crm.common.errors import BusinessRuleViolation
from crm.common.fastlist import FastListMixin
from crm.common.parsers import BoundedJSONParser, NulSafeFormParser, NulSafeMultiPartParser
from crm.users.models import User

from . import importer, selectors, services
from .duplicates import duplicates_of, serialize_duplicate
from .filters import LeadFilter
from .models import DisqualifyReason, DuplicatePolicy, Lead, LeadImport, LeadSource
from .rules import RULE_FIELDS, TOPIC_REQUIRED, lead_input_errors
from .services import LEAD_FIELDS


class LeadSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    full_name = serializers.CharField(read_only=True)
    qualifying_opportunity = serializers.IntegerField(source="qualifying_opportunity_id",
                                                      read_only=True, allow_null=True)

    class Meta:
        model = Lead
        fields = [
            "id", *LEAD_FIELDS, "full_name", "owner", "status", "status_reason",
            "status_changed_at", "qualifying_opportunity", "merged_into", "import_job",
            "last_activity_at", "open_activity_count", "version", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "status_reason", "status_changed_at", "merged_into",
                            "import_job", "last_activity_at", "open_activity_count",
                            "version", "created_at", "updated_at"]
        extra_kwargs = {"topic": {"required": True, "error_messages": {
            "required": TOPIC_REQUIRED, "blank": TOPIC_REQUIRED}}}

    def validate(self, attrs):
        values = {name: getattr(self.instance, name) for name in RULE_FIELDS} \
            if self.instance is not None else {}
        values.update(attrs)
        if errors := lead_input_errors(values):
            raise serializers.ValidationError({
                name: [ErrorDetail(str(error.message), code=error.code) for error in field_errors]
                for name, field_errors in errors.items()})
        return attrs

    def create(self, validated_data):
        owner = validated_data.pop("owner", None)
        return services.lead_create(actor=self.context["request"].user, owner=owner,
                                    **validated_data)

    def update(self, instance, validated_data):
        return services.lead_update(lead=instance, actor=self.context["request"].user,
                                    **validated_data)


class DisqualifySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DisqualifyReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    encoding = serializers.ChoiceField(
        choices=[e[0] for e in importer.ENCODING_CHOICES], default=importer.AUTO_ENCODING,
        help_text="The file's text encoding; `auto` (default) detects it. The job answers the "
                  "one used.")
    mapping = serializers.JSONField(
        required=False, help_text="CSV header -> lead field; omitted: the remembered or "
                                  "guessed mapping for these headers.")
    duplicate_policy = serializers.ChoiceField(choices=DuplicatePolicy.choices,
                                               default=DuplicatePolicy.SKIP)
    default_source = serializers.ChoiceField(choices=LeadSource.choices, required=False)
    default_topic = serializers.CharField(required=False, max_length=300)

    def validate_mapping(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError(_("Send a JSON object: header -> field."))
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise serializers.ValidationError(_("Send a JSON object: header -> field."))
        return value


def import_job_data(request, job: LeadImport) -> dict:
    return {
        "id": job.pk, "status": job.status, "processed": job.processed, "total": job.total,
        "created": job.created_count, "duplicates": job.duplicate_count,
        "already_imported": job.already_imported_count, "errors": job.error_count,
        "message": job.message, "mapping": job.mapping, "duplicate_policy": job.duplicate_policy,
        "encoding": job.encoding,
        "errors_url": request.build_absolute_uri(
            reverse("api:lead-import-errors", kwargs={"import_id": job.pk})),
        "created_at": job.created_at, "finished_at": job.finished_at,
    }


IMPORT_JOB_SCHEMA = inline_serializer("LeadImportJob", {
    "id": serializers.IntegerField(), "status": serializers.CharField(),
    "processed": serializers.IntegerField(), "total": serializers.IntegerField(),
    "created": serializers.IntegerField(), "duplicates": serializers.IntegerField(),
    "already_imported": serializers.IntegerField(), "errors": serializers.IntegerField(),
    "errors_url": serializers.URLField(), "message": serializers.CharField(),
})
DUPLICATES_SCHEMA = inline_serializer("LeadDuplicateList", {
    "results": inline_serializer("LeadDuplicate", {
        "id": serializers.IntegerField(), "rule": serializers.CharField(),
        "name": serializers.CharField(), "company": serializers.CharField(),
        "email": serializers.CharField(), "status": serializers.CharField(),
        "owner": serializers.IntegerField(), "url": serializers.CharField(),
    }, many=True),
})


class LeadViewSet(FastListMixin, ScopedModelViewSet):
    fast_list_properties = {"full_name": ("first_name", "last_name")}
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    search_fields: list = []  # `search` is handled below, on the indexed keys
    ordering_fields = ["id", "created_at", "updated_at", "last_name", "estimated_value",
                       "estimated_close_date"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    parser_classes = [BoundedJSONParser, NulSafeMultiPartParser, NulSafeFormParser]

    def get_base_queryset(self):
        queryset = selectors.lead_list(user=self.request.user)
        if self.action == "list":
            # The serializer shows related records by id only: no joins, no extra instances.
            queryset = queryset.select_related(None)
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        term = (self.request.query_params.get("search") or "").strip()
        if term and self.action == "list":
            queryset = queryset.filter(selectors.search_filter(term))
        return queryset

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        lead = Lead.objects.get(pk=response.data["id"])
        response.data["duplicates"] = [serialize_duplicate(m)
                                       for m in duplicates_of(lead=lead, user=request.user)]
        return response

    def perform_destroy(self, instance):
        services.lead_delete(lead=instance, actor=self.request.user)

    def _answer(self, lead):
        self._etag_instance = lead
        return Response(self.get_serializer(lead).data)

    @extend_schema(request=DisqualifySerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        lead = self.get_object()
        body = DisqualifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.lead_disqualify(lead=lead, actor=request.user,
                                                     **body.validated_data))

    @extend_schema(request=NoteSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        lead = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.lead_reactivate(lead=lead, actor=request.user,
                                                     **body.validated_data))

    @extend_schema(request=NoteSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"], url_path="mark-contacted")
    def mark_contacted(self, request, pk=None):
        lead = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.lead_mark_contacted(lead=lead, actor=request.user,
                                                         **body.validated_data))

    @extend_schema(responses=DUPLICATES_SCHEMA)
    @action(detail=True, methods=["get"])
    def duplicates(self, request, pk=None):
        lead = self.get_object()
        return Response({"results": [serialize_duplicate(m)
                                     for m in duplicates_of(lead=lead, user=request.user)]})

    @extend_schema(request={"multipart/form-data": ImportRequestSerializer},
                   responses={202: IMPORT_JOB_SCHEMA})
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            job = services.lead_import_create(actor=request.user, uploaded_file=data["file"],
                                              encoding=data["encoding"])
        except importer.ImportFileError as exc:
            raise BusinessRuleViolation(str(exc), fields={"file": [str(exc)]},
                                        reason=exc.reason) from None
        job = services.lead_import_start(
            job=job, actor=request.user, mapping=data.get("mapping"),
            duplicate_policy=data["duplicate_policy"],
            default_source=data.get("default_source"), default_topic=data.get("default_topic"))
        job.refresh_from_db()
        return Response(import_job_data(request, job), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=IMPORT_JOB_SCHEMA)
    @action(detail=False, methods=["get"], url_path=r"import/(?P<import_id>\d+)")
    def import_status(self, request, import_id=None):
        job = selectors.lead_import_get(user=request.user, pk=import_id)
        return Response(import_job_data(request, job))

    @extend_schema(responses={(200, "text/csv"): bytes})
    @action(detail=False, methods=["get"], url_path=r"import/(?P<import_id>\d+)/errors",
            url_name="import-errors", renderer_classes=[JSONRenderer, CSVRenderer])
    def import_errors(self, request, import_id=None):
        job = selectors.lead_import_get(user=request.user, pk=import_id)
        response = StreamingHttpResponse(importer.error_report(job),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="lead-import-{job.pk}.csv"'
        return response


def register(router):
    router.register("leads", LeadViewSet, basename="lead")


urlpatterns: list = []

from .cardscan_api import urlpatterns as cardscan_urlpatterns  # noqa: E402

urlpatterns += cardscan_urlpatterns  # business-cards/scan/ (crm.cardscan)
