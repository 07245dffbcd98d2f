"""`POST leads/{id}/qualify/` (API.md): lives here because `opportunities` owns the conversion."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response

from crm.common.api import ScopedViewSetMixin
from crm.customers.models import Account, Contact
from leads import selectors as lead_selectors
from leads.models import Lead

from .conversion import lead_qualify


class QualifyRequestSerializer(serializers.Serializer):
    create_account = serializers.BooleanField(default=True)
    create_contact = serializers.BooleanField(default=True)
    create_opportunity = serializers.BooleanField(default=True)
    existing_account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), required=False, allow_null=True)
    existing_contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True)
    allow_duplicates = serializers.BooleanField(default=False)


QUALIFY_RESPONSE = inline_serializer("LeadQualifyResult", {
    "lead": serializers.IntegerField(),
    "account": serializers.IntegerField(allow_null=True),
    "contact": serializers.IntegerField(allow_null=True),
    "opportunity": serializers.IntegerField(allow_null=True),
})


class LeadQualifyAPIView(ScopedViewSetMixin, generics.GenericAPIView):
    """Qualify a lead: `{"lead", "account", "contact", "opportunity"}` (ids or null).

    409 `duplicate_detected` with `candidates` when a matching account or contact exists and
    the request neither links one nor sets `allow_duplicates`; 409 `transition_not_allowed`
    for a lead that is not open."""

    queryset = Lead.objects.all()
    serializer_class = QualifyRequestSerializer

    def get_base_queryset(self):
        return lead_selectors.lead_list(user=self.request.user)

    @extend_schema(request=QualifyRequestSerializer, responses={200: QUALIFY_RESPONSE},
                   operation_id="leads_qualify_create", tags=["leads"])
    def post(self, request, pk):
        lead = self.get_object()
        body = QualifyRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = lead_qualify(lead=lead, actor=request.user, **body.validated_data)
        self._etag_instance = result.lead
        return Response(result.as_ids())


urlpatterns = [
    path("leads/<int:pk>/qualify/", LeadQualifyAPIView.as_view(), name="lead-qualify-api"),
]
