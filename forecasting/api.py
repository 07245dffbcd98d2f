"""`GET /api/v1/forecasts/?period=2026-Q4&user=<id>`: the forecast rows of a user and everyone
below them (rolled up), and `POST /api/v1/forecasts/adjustments/` for a manager adjustment."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.users.models import User

from . import selectors, services


def _period(value):
    try:
        return selectors.forecast_period(value)
    except ValueError as exc:
        raise serializers.ValidationError({"period": [str(exc)]})


def _root(request, value):
    if not value:
        return request.user
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise serializers.ValidationError({"user": ["A user id."]})
    allowed = selectors.viewable_root_ids(request.user)
    if allowed is not None and pk not in allowed:
        from django.http import Http404

        raise Http404
    return get_object_or_404(User, pk=pk, is_active=True)


class ForecastRowSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    manager = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField()
    scope = serializers.CharField()
    quota = serializers.DecimalField(max_digits=18, decimal_places=2)
    won = serializers.DecimalField(max_digits=18, decimal_places=2)
    committed = serializers.DecimalField(max_digits=18, decimal_places=2)
    best_case = serializers.DecimalField(max_digits=18, decimal_places=2)
    pipeline = serializers.DecimalField(max_digits=18, decimal_places=2)
    omitted = serializers.DecimalField(max_digits=18, decimal_places=2)
    lost = serializers.DecimalField(max_digits=18, decimal_places=2)
    system_forecast = serializers.DecimalField(max_digits=18, decimal_places=2)
    adjusted = serializers.DecimalField(max_digits=18, decimal_places=2)
    is_adjusted = serializers.BooleanField()
    adjustment_note = serializers.CharField()
    attainment = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class ForecastResponseSerializer(serializers.Serializer):
    period = serializers.DictField()
    user = serializers.IntegerField()
    results = ForecastRowSerializer(many=True)


class ForecastView(APIView):
    """Rows: the user's rolled-up row first, then every report's, depth first. Each row has
    `quota`, `won`, `committed`, `best_case`, `pipeline`, `omitted`, `lost` (team totals),
    `adjusted` (the forecast after adjustments), `system_forecast`, `level` and `manager`."""

    permission_classes = [IsAuthenticated]
    schema_error_statuses = {"get": {404}}  # an unknown user, or one out of the caller's reach

    @extend_schema(
        summary="Forecast rows of a user and everyone below them",
        parameters=[OpenApiParameter("period", str, description="2026-11 or 2026-Q4 "
                                     "(default: the current quarter)"),
                    OpenApiParameter("user", int, description="default: the caller")],
        responses=ForecastResponseSerializer,
    )
    def get(self, request):
        period = _period(request.query_params.get("period"))
        root = _root(request, request.query_params.get("user"))
        tree = selectors.forecast_tree(viewer=request.user, root=root, period=period)
        return Response({
            "period": {"key": period.key, "label": period.label, "start": period.start,
                       "end": period.end},
            "user": root.pk,
            "results": [row.as_dict() for row in tree.walk()],
        })


class AdjustmentSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    period = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                      required=False, allow_null=True)
    note = serializers.CharField(max_length=2000)
    reset = serializers.BooleanField(default=False)


class AdjustmentResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField()
    period = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    previous_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    is_reset = serializers.BooleanField()
    note = serializers.CharField()
    adjusted_by = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    row = ForecastRowSerializer()


class AdjustmentView(APIView):
    permission_classes = [IsAuthenticated]
    schema_error_statuses = {"post": {404}}  # an unknown user, or one out of the caller's reach

    @extend_schema(summary="Adjust (or reset) a forecast row, with a note",
                   request=AdjustmentSerializer, responses={201: AdjustmentResultSerializer})
    def post(self, request):
        data = AdjustmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        period = _period(values["period"])
        user = _root(request, values["user"])
        if not values["reset"] and values.get("amount") is None:
            raise serializers.ValidationError({"amount": ["Required unless reset."]})
        adjustment = services.forecast_adjust(
            actor=request.user, user=user, period=period, amount=values.get("amount"),
            note=values["note"], reset=values["reset"],
        )
        row = selectors.forecast_tree(viewer=request.user, root=user, period=period)
        return Response({
            "id": adjustment.pk, "user": user.pk, "period": period.key,
            "amount": str(adjustment.amount) if adjustment.amount is not None else None,
            "previous_amount": str(adjustment.previous_amount),
            "is_reset": adjustment.is_reset, "note": adjustment.note,
            "adjusted_by": request.user.pk, "created_at": adjustment.created_at,
            "row": row.as_dict(),
        }, status=201)


urlpatterns = [
    path("forecasts/", ForecastView.as_view(), name="api-forecasts"),
    path("forecasts/adjustments/", AdjustmentView.as_view(), name="api-forecast-adjustments"),
]
