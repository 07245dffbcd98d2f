"""The building blocks of `POST /api/v1/business-cards/scan/`.

The endpoint itself is served by `leads/cardscan_api.py`, because it can create a lead in the
same call and the core never imports the leads app. Nothing is registered from here.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .duplicates import find_duplicates
from .images import CardImageError
from .models import CardScan, ScanStatus
from .parser import FIELDS


class CardScanRequestSerializer(serializers.Serializer):
    image = serializers.FileField(help_text=_("JPEG or PNG photo of the card, up to 10 MB."))


class WonRevenueSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True)


class DuplicateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["lead", "contact", "account"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    rule = serializers.CharField()
    url = serializers.CharField()
    edit_url = serializers.CharField(allow_blank=True, help_text=_("Where to update it."))
    owner = serializers.CharField(allow_blank=True)
    last_activity_at = serializers.DateTimeField(allow_null=True)
    open_opportunities = serializers.IntegerField(
        help_text=_("Open opportunities of this record that you may read."))
    won_revenue = WonRevenueSerializer(many=True, help_text=_(
        "Revenue of won opportunities you may read, per currency."))


class PrintedPhonesSerializer(serializers.Serializer):
    business_phone = serializers.CharField(required=False)
    mobile_phone = serializers.CharField(required=False)
    fax = serializers.CharField(required=False)


class CardScanResponseSerializer(serializers.Serializer):
    scan = serializers.IntegerField(help_text=_("Id of the stored scan."))
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True))
    confidence = serializers.DictField(child=serializers.FloatField())
    low_confidence = serializers.ListField(child=serializers.CharField())
    printed = PrintedPhonesSerializer(help_text=_(
        "Phone numbers as printed on the card (the fields hold them in E.164)."))
    duplicates = DuplicateSerializer(many=True)
    duration_ms = serializers.IntegerField(allow_null=True)


def image_error(exc: CardImageError) -> serializers.ValidationError:
    return serializers.ValidationError({"image": [exc.message]}, code=exc.code)


def scan_payload(scan: CardScan, *, user) -> dict:
    """`{"scan", "fields", "confidence", "low_confidence", "duplicates", "duration_ms"}`."""
    fields = {name: (scan.fields or {}).get(name, "") for name in FIELDS}
    confidence = {name: (scan.confidence or {}).get(name, 0.0) for name in FIELDS}
    duplicates = find_duplicates(user=user, fields=fields) if scan.status in (
        ScanStatus.DONE, ScanStatus.SAVED) else []
    return {
        "scan": scan.pk, "fields": fields, "confidence": confidence,
        "low_confidence": scan.low_confidence_fields,
        "printed": dict((scan.fields or {}).get("printed") or {}),
        "duplicates": [DuplicateSerializer(d).data for d in duplicates],
        "duration_ms": scan.duration_ms,
    }
