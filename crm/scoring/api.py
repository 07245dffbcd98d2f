"""`GET /api/v1/leads/{id}/score/`, `GET /api/v1/opportunities/{id}/score/`.

200 `{score, grade, factors: [{label, effect}], model_version, scored_at, reason}`. When there
is no number, `score`, `grade` and `model_version` are null and `reason` says why:
`not_enough_history` (fewer than ~200 closed records of each outcome, no model yet), `closed`
(only open records are scored), `scoring_off` (an admin turned scoring off). A record the caller
may not read: 404 `not_found`, as for the record itself.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.common.visibility import get_readable_or_404

from .registry import spec_for
from .selectors import score_for

ScoreResponse = inline_serializer("RecordScore", {
    "score": serializers.IntegerField(allow_null=True, min_value=0, max_value=100),
    "grade": serializers.ChoiceField(choices=["A", "B", "C", "D"], allow_null=True),
    "factors": inline_serializer("ScoreFactor", {
        "label": serializers.CharField(), "effect": serializers.IntegerField(),
    }, many=True),
    "model_version": serializers.IntegerField(allow_null=True),
    "scored_at": serializers.DateTimeField(allow_null=True),
    "reason": serializers.ChoiceField(
        choices=["not_enough_history", "closed", "scoring_off"], allow_null=True),
})


class RecordScoreView(APIView):
    permission_classes = [IsAuthenticated]
    kind = ""

    @extend_schema(
        summary="The record's score (0-100), grade and top factors",
        responses={200: ScoreResponse},
    )
    def get(self, request, pk):
        spec = spec_for(self.kind)
        record = get_readable_or_404(spec.readable(request.user).select_related("score_row"),
                                     request.user, pk=pk)
        return Response(score_for(record))


class LeadScoreView(RecordScoreView):
    kind = "lead"


class OpportunityScoreView(RecordScoreView):
    kind = "opportunity"


urlpatterns = [
    path("leads/<int:pk>/score/", LeadScoreView.as_view(), name="api-lead-score"),
    path("opportunities/<int:pk>/score/", OpportunityScoreView.as_view(),
         name="api-opportunity-score"),
]
