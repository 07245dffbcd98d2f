"""REST API v1: `opportunities/`, `opportunities/{id}/lines/`, `.../stage/`, `.../advance/`,
`.../retreat/`, `.../win/`, `.../lose/`, `.../reopen/` (API.md). Every write ends in one
service; domain errors become `{"code", "message", ...}` through crm.common.api."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.catalog.models import LINE_QUANTITY, TAX_RATE, PriceList, Product
from crm.common.api import ScopedModelViewSet
from crm.common.fastlist import FastListMixin
from crm.common.visibility import check_can_change
from crm.customers.models import Account, Contact
from crm.users.models import User

from . import conversion_api, selectors, services
from .filters import OpportunityFilter
from .models import LOSE_REASONS, Opportunity, OpportunityLine, Stage

# Extra paths for crm/api.py (kept as a module-level list other apps may extend).
urlpatterns: list = []
urlpatterns += conversion_api.urlpatterns  # leads/{id}/qualify/ (the lead conversion)

STEP_FIELDS = [
    "purchase_timeframe", "budget_amount", "budget_status", "purchase_process",
    "decision_maker", "need", "customer_need", "proposed_solution", "stakeholders_identified",
    "competitors_identified", "sales_team_identified", "proposal_developed",
    "internal_review_done", "proposal_presented", "final_proposal_done",
    "final_proposal_presented", "decision_date", "thank_you_sent", "debrief_filed",
]


def if_match_version(request):
    """The version named by `If-Match` (`"7"`, `W/"7"` or `7`), or None."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*" or "," in header:
        return None
    value = header.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else None


class OpportunitySerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(),
                                                 required=False, allow_null=True)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(),
                                                 required=False, allow_null=True)
    price_list = serializers.PrimaryKeyRelatedField(queryset=PriceList.objects.all(),
                                                    required=False, allow_null=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    name = serializers.CharField(source="topic", read_only=True)
    pipeline_phase = serializers.CharField(read_only=True)
    estimated_revenue = serializers.DecimalField(max_digits=18, decimal_places=2,
                                                 required=False, allow_null=True, min_value=0)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False,
                                           allow_null=True)
    originating_lead = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id", "topic", "name", "account", "contact", "owner", "currency", "price_list",
            "source", "description", "status", "status_reason", "stage", "pipeline_phase",
            "stage_entered_at", "probability", "revenue_source", "estimated_revenue",
            "estimated_close_date", "rating", "forecast_category", "actual_revenue",
            "actual_close_date", "total_line_amount", "total_tax", "originating_lead",
            *STEP_FIELDS, "last_activity_at", "open_activity_count", "version", "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status", "status_reason", "stage_entered_at", "actual_revenue",
            "actual_close_date", "total_line_amount", "total_tax", "last_activity_at",
            "open_activity_count", "version", "created_at", "updated_at",
        ]

    def validate(self, attrs):
        if self.instance is not None and "stage" in attrs and attrs["stage"] != \
                self.instance.stage:
            raise serializers.ValidationError(
                {"stage": ["The stage changes through advance/ and retreat/."]}
            )
        if self.instance is None and attrs.get("stage", Stage.QUALIFY) != Stage.QUALIFY:
            raise serializers.ValidationError(
                {"stage": ["A new opportunity starts in qualify; move it with advance/."]}
            )
        attrs.pop("stage", None)
        if self.instance is None and not attrs.get("account") and not attrs.get("contact"):
            raise serializers.ValidationError(
                {"account": ["Give an account or a contact (or both)."]}
            )
        return attrs

    def create(self, validated_data):
        request = self.context["request"]
        owner = validated_data.pop("owner", None)
        if validated_data.get("probability") is None:
            validated_data.pop("probability", None)
        return services.opportunity_create(actor=request.user, owner=owner, **validated_data)

    def update(self, instance, validated_data):
        request = self.context["request"]
        if "probability" in validated_data and validated_data["probability"] is None:
            validated_data.pop("probability")
        return services.opportunity_update(
            opportunity=instance, actor=request.user,
            expected_version=if_match_version(request), **validated_data,
        )


class StepSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["boolean", "text", "date", "choice", "account",
                                            "contact"])
    choices = serializers.ListField(child=serializers.DictField())
    required = serializers.BooleanField()
    done = serializers.BooleanField()


class StageSerializer(serializers.Serializer):
    name = serializers.CharField()
    steps = StepSerializer(many=True)


class ProcessSerializer(serializers.Serializer):
    stage = serializers.CharField()
    pipeline_phase = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())
    stages = StageSerializer(many=True)


class WinSerializer(serializers.Serializer):
    actual_revenue = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                              required=False, allow_null=True)
    close_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    close_quotes = serializers.BooleanField(required=False, default=False)


class LoseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=[r.value for r in LOSE_REASONS])
    competitor = serializers.CharField(required=False, allow_blank=True, default="",
                                       max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    close_quotes = serializers.BooleanField(required=False, default=False)
    close_date = serializers.DateField(required=False, allow_null=True)


class MoveSerializer(serializers.Serializer):
    from_stage = serializers.ChoiceField(choices=Stage.choices, required=False)


class OpportunityViewSet(FastListMixin, ScopedModelViewSet):
    fast_list_properties = {"pipeline_phase": ("stage",)}
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    search_fields = ["topic", "account__name"]
    ordering_fields = ["id", "created_at", "updated_at", "estimated_close_date",
                       "estimated_revenue", "probability", "topic"]
    ordering = ["-id"]
    queryset = Opportunity.objects.all()

    def get_base_queryset(self):
        queryset = selectors.opportunity_list(user=self.request.user)
        if self.action == "list":
            # The serializer shows related records by id only: no joins, no extra instances.
            queryset = queryset.select_related(None)
        return queryset

    def perform_destroy(self, instance):
        services.opportunity_delete(opportunity=instance, actor=self.request.user)

    def _answer(self, opportunity, code=status.HTTP_200_OK):
        self._etag_instance = opportunity
        return Response(OpportunitySerializer(opportunity, context={"request": self.request}).data,
                        status=code)

    @extend_schema(responses=ProcessSerializer)
    @action(detail=True, methods=["get"])
    def stage(self, request, pk=None):
        """The business process flow: every stage with its steps, required and done."""
        opportunity = self.get_object()
        steps = selectors.stage_steps()
        process = selectors.opportunity_process(opportunity=opportunity, steps=steps)
        return Response({
            "stage": opportunity.stage,
            "pipeline_phase": opportunity.pipeline_phase,
            "missing": opportunity.missing_steps(steps[opportunity.stage]),
            "stages": [
                {"name": s["name"], "steps": [
                    {k: row[k] for k in ("field", "label", "type", "choices", "required",
                                         "done")}
                    for row in s["steps"]
                ]}
                for s in process
            ],
        })

    @extend_schema(request=MoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """One stage forward; 409 `transition_not_allowed` with `missing` at a blocked gate."""
        opportunity = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_advance(
            opportunity=opportunity, actor=request.user,
            expected_version=if_match_version(request),
            expected_stage=body.validated_data.get("from_stage"),
        )
        return self._answer(opportunity)

    @extend_schema(request=MoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def retreat(self, request, pk=None):
        """One stage back."""
        opportunity = self.get_object()
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_retreat(
            opportunity=opportunity, actor=request.user,
            expected_version=if_match_version(request),
            expected_stage=body.validated_data.get("from_stage"),
        )
        return self._answer(opportunity)

    @extend_schema(request=WinSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        opportunity = self.get_object()
        body = WinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_win(
            opportunity=opportunity, actor=request.user,
            expected_version=if_match_version(request), **body.validated_data,
        )
        return self._answer(opportunity)

    @extend_schema(request=LoseSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        opportunity = self.get_object()
        body = LoseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.opportunity_lose(
            opportunity=opportunity, actor=request.user,
            expected_version=if_match_version(request), **body.validated_data,
        )
        return self._answer(opportunity)

    @extend_schema(request=None, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        opportunity = self.get_object()
        opportunity = services.opportunity_reopen(
            opportunity=opportunity, actor=request.user,
            expected_version=if_match_version(request),
        )
        return self._answer(opportunity)


class OpportunityLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False,
                                                 allow_null=True)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                          required=False, allow_null=True)
    tax_rate = serializers.DecimalField(**TAX_RATE, min_value=0,
                                        max_value=100, required=False, allow_null=True)
    manual_discount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                               required=False)
    quantity = serializers.DecimalField(**LINE_QUANTITY, required=False)
    name = serializers.CharField(read_only=True)

    class Meta:
        model = OpportunityLine
        fields = ["id", "opportunity", "product", "write_in_name", "name", "description",
                  "quantity", "unit_price", "price_overridden", "manual_discount", "tax_rate",
                  "amount", "tax", "sort_order"]
        read_only_fields = ["opportunity", "price_overridden", "amount", "tax"]

    def create(self, validated_data):
        return services.opportunity_line_add(
            opportunity=self.context["opportunity"], actor=self.context["request"].user,
            **validated_data,
        )

    def update(self, instance, validated_data):
        return services.opportunity_line_update(
            line=instance, actor=self.context["request"].user, **validated_data
        )


class OpportunityLineViewSet(ScopedModelViewSet):
    """`opportunities/{id}/lines/`: readable with the opportunity (404 otherwise); changes need
    the right to change the opportunity (403) and an open opportunity (409 record_locked)."""

    serializer_class = OpportunityLineSerializer
    queryset = OpportunityLine.objects.all()
    ordering = ["sort_order", "id"]
    ordering_fields = ["sort_order", "id"]
    filter_backends: list = []

    def get_opportunity(self) -> Opportunity:
        if not hasattr(self, "_opportunity"):
            self._opportunity = selectors.opportunity_get(
                user=self.request.user, pk=self.kwargs["opportunity_pk"]
            )
        return self._opportunity

    def get_queryset(self):
        return selectors.opportunity_lines(opportunity=self.get_opportunity()).order_by(
            "sort_order", "id"
        )

    def get_object(self):
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            self.check_change_permission(obj)
        return obj

    def check_change_permission(self, obj) -> None:
        check_can_change(self.request.user, self.get_opportunity())

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        if "opportunity_pk" in self.kwargs:
            ctx["opportunity"] = self.get_opportunity()
        return ctx

    def create(self, request, *args, **kwargs):
        check_can_change(request.user, self.get_opportunity())
        return super().create(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.opportunity_line_remove(line=instance, actor=self.request.user)


def register(router):
    router.register("opportunities", OpportunityViewSet, basename="opportunity")
    router.register(r"opportunities/(?P<opportunity_pk>\d+)/lines", OpportunityLineViewSet,
                    basename="opportunity-line")


__all__ = ["register", "urlpatterns"]
