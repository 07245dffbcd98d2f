"""`POST /api/v1/business-cards/scan/`: read a card photo, answer with the fields, their
confidence and possible duplicates; with `create_lead=true` also create the lead (source
"business_card") in the same call."""

from django.db import transaction
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.cardscan.api import (
    CardScanRequestSerializer,
    CardScanResponseSerializer,
    image_error,
    scan_payload,
)
from crm.cardscan.images import CardImageError
from crm.cardscan.models import ScanStatus, ScanTarget
from crm.cardscan.services import card_scan_create, read_upload
from crm.common.api import IdempotencyMixin

from .cardscan_views import ScannedLeadForm, lead_data, save_scan_as_lead


class BusinessCardScanRequestSerializer(CardScanRequestSerializer):
    create_lead = serializers.BooleanField(default=False, required=False)
    topic = serializers.CharField(max_length=300, required=False, allow_blank=True)


class BusinessCardScanView(IdempotencyMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=BusinessCardScanRequestSerializer,
        responses={
            200: CardScanResponseSerializer,
            201: inline_serializer("BusinessCardScanLead", {
                "lead": serializers.IntegerField(), "scan": serializers.IntegerField(),
                "fields": serializers.DictField(), "confidence": serializers.DictField(),
                "duplicates": serializers.ListField(),
            }),
        },
        summary="Read a business card photo (optionally create the lead)",
    )
    def post(self, request):
        params = BusinessCardScanRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            data = read_upload(params.validated_data["image"])
            scan = card_scan_create(actor=request.user, data=data, target=ScanTarget.LEAD,
                                    inline=True)
        except CardImageError as exc:
            raise image_error(exc)
        payload = scan_payload(scan, user=request.user)
        payload["lead"] = None
        if scan.status == ScanStatus.FAILED:
            raise serializers.ValidationError({"image": [scan.error]})
        if not params.validated_data.get("create_lead"):
            return Response(payload, status=status.HTTP_200_OK)
        topic = params.validated_data.get("topic") or ScannedLeadForm(scan=scan).initial["topic"]
        form = ScannedLeadForm(data={**payload["fields"], "topic": topic}, scan=scan)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        with transaction.atomic():
            lead = save_scan_as_lead(scan=scan, actor=request.user,
                                     topic=form.cleaned_data["topic"],
                                     data=lead_data(form.cleaned_data))
        payload["lead"] = lead.pk
        return Response(payload, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("business-cards/scan/", BusinessCardScanView.as_view(), name="business-card-scan"),
]
