"""`GET /api/v1/dashboards/<name>/`: the data behind each chart of a dashboard.

Query parameters: `period` (this_month, this_quarter, this_year, last_12_months, all, ...;
or 2026-11, 2026-Q4, FY2026), `team`, `owner` (ids), `widget` (one widget's name)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.common.api import error_body
from crm.common.codes import ErrorCode

from . import engine
from .context import build_context
from .registry import dashboard_widgets
from .views import get_dashboard


class DashboardWidgetSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    uses_period = serializers.BooleanField()
    computed_at = serializers.DateTimeField()
    columns = serializers.ListField(child=serializers.DictField())
    rows = serializers.ListField(child=serializers.DictField())


class DashboardDataView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The data behind each chart of a dashboard (seller, manager)",
        parameters=[
            OpenApiParameter("period", str, description="this_month, last_month, "
                             "this_quarter, last_quarter, this_year, last_year, "
                             "last_12_months, all; or 2026-11, 2026-Q4, FY2026"),
            OpenApiParameter("team", int), OpenApiParameter("owner", int),
            OpenApiParameter("widget", str, description="one widget's name"),
        ],
        responses=inline_serializer("DashboardData", {
            "dashboard": serializers.CharField(), "title": serializers.CharField(),
            "period": serializers.DictField(), "team": serializers.IntegerField(allow_null=True),
            "owner": serializers.IntegerField(allow_null=True),
            "widgets": DashboardWidgetSerializer(many=True),
        }),
    )
    def get(self, request, name):
        dashboard = get_dashboard(name)
        params = request.query_params
        default_owner = request.user if dashboard.default_scope == "mine" else None
        ctx, form = build_context(request.user, params, default_period=dashboard.default_period,
                                  default_owner=default_owner)
        if form.is_bound and not form.is_valid():
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            raise serializers.ValidationError(fields)
        chosen = dashboard_widgets(dashboard)
        if wanted := params.get("widget"):
            chosen = [w for w in chosen if w.name == wanted]
            if not chosen:
                return Response(error_body(ErrorCode.NOT_FOUND, "No such widget on this dashboard."),
                                status=404)
        results = [engine.compute(w, ctx) for w in chosen]
        return Response({
            "dashboard": dashboard.name,
            "title": str(dashboard.title),
            "period": {"key": ctx.period.key, "label": ctx.period.label,
                       "start": ctx.period.start, "end": ctx.period.end},
            "team": ctx.team.pk if ctx.team else None,
            "owner": ctx.owner.pk if ctx.owner else None,
            "widgets": [r.as_dict() for r in results],
        })


urlpatterns = [
    path("dashboards/<slug:name>/", DashboardDataView.as_view(), name="api-dashboard"),
]
