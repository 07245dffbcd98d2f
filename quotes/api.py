"""v1 API: `quotes/` (+ activate, revise, close, get-products, pdf) and `quotes/{id}/lines/`.

`quotes/{id}/create-order/` is served by the invoices app (it owns the order).
"""

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from crm.catalog.models import LINE_QUANTITY, TAX_RATE, PriceList, Product
from crm.common.api import ScopedModelViewSet
from crm.common.codes import RefusalReason
from crm.common.errors import TransitionNotAllowed
from crm.common.fastlist import FastListMixin
from crm.common.pagination import CursorPage
from crm.common.visibility import check_can_change, scope_readable
from crm.customers.models import Account, Contact
from crm.users.models import User
from opportunities.models import Opportunity

from . import selectors, services
from .filters import QuoteFilter
from .models import CloseReason, Quote, QuoteLine, QuoteStatus
from .pdf import quote_pdf, quote_pdf_filename

MONEY = {"max_digits": 18, "decimal_places": 2}


class QuoteSerializer(serializers.ModelSerializer):
    opportunity = serializers.PrimaryKeyRelatedField(queryset=Opportunity.objects.all(),
                                                     required=False, allow_null=True)
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(),
                                                 required=False, allow_null=True)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(),
                                                 required=False, allow_null=True)
    price_list = serializers.PrimaryKeyRelatedField(queryset=PriceList.objects.all(),
                                                    required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True),
                                               required=False)
    name = serializers.CharField(max_length=300, required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                                max_value=100, required=False)
    discount_amount = serializers.DecimalField(min_value=0, required=False, **MONEY)
    freight_amount = serializers.DecimalField(min_value=0, required=False, **MONEY)

    class Meta:
        model = Quote
        fields = [
            "id", "number", "revision", "name", "status", "status_reason", "opportunity",
            "account", "contact", "price_list", "currency", "valid_until", "payment_terms",
            "description", "discount_percent", "discount_amount", "freight_amount",
            "detail_amount", "total_discount", "total_tax", "total",
            "bill_to_name", "bill_to_street", "bill_to_city", "bill_to_state",
            "bill_to_postal_code", "bill_to_country", "ship_to_name", "ship_to_street",
            "ship_to_city", "ship_to_state", "ship_to_postal_code", "ship_to_country",
            "previous_revision", "owner", "activated_at", "closed_at", "version",
            "created_at", "updated_at",
        ]
        read_only_fields = [
            "number", "revision", "status", "status_reason", "currency", "detail_amount",
            "total_discount", "total_tax", "total", "previous_revision", "activated_at",
            "closed_at", "version", "created_at", "updated_at",
        ]

    def validate_opportunity(self, opportunity):
        if opportunity is None:
            return None
        if self.instance is not None and opportunity.pk != self.instance.opportunity_id:
            raise serializers.ValidationError(_("A quote's opportunity cannot change."))
        user = self.context["request"].user
        if not scope_readable(Opportunity.objects.filter(pk=opportunity.pk), user).exists():
            raise serializers.ValidationError(f'Invalid pk "{opportunity.pk}" - object does '
                                              "not exist.")
        return opportunity

    def validate(self, attrs):
        if self.instance is None and attrs.get("opportunity") is None:
            errors = {}
            if not attrs.get("name"):
                errors["name"] = ["This field is required."]
            if not attrs.get("account") and not attrs.get("contact"):
                errors["account"] = ["Give an account or a contact (or an opportunity)."]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        actor = self.context["request"].user
        owner = validated_data.pop("owner", None)
        opportunity = validated_data.pop("opportunity", None)
        if opportunity is not None:
            for key in ("account", "contact", "price_list"):
                if validated_data.get(key) is None:
                    validated_data.pop(key, None)
            extra = {k: validated_data.pop(k) for k in ("account", "contact", "price_list")
                     if k in validated_data}
            quote = services.quote_create_from_opportunity(
                opportunity=opportunity, actor=actor, owner=owner, **validated_data)
            if extra:
                quote = services.quote_update(quote=quote, actor=actor, **extra)
            return quote
        return services.quote_create(actor=actor, owner=owner, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("opportunity", None)
        return services.quote_update(quote=instance, actor=self.context["request"].user,
                                     **validated_data)


class QuoteLineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(),
                                                 required=False, allow_null=True)
    write_in_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quantity = serializers.DecimalField(**LINE_QUANTITY, required=False)
    unit_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    manual_discount = serializers.DecimalField(required=False, **MONEY)
    tax_rate = serializers.DecimalField(**TAX_RATE, required=False, allow_null=True)

    class Meta:
        model = QuoteLine
        fields = ["id", "quote", "product", "write_in_name", "product_name", "sku", "unit",
                  "description", "quantity", "unit_price", "manual_discount", "tax_rate",
                  "amount", "tax", "sort_order", "version"]
        read_only_fields = ["quote", "product_name", "sku", "unit", "amount", "tax", "version"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["write_in_name"] = "" if instance.product_id else instance.product_name
        return data

    def validate(self, attrs):
        if self.instance is not None and "product" in attrs and (
                getattr(attrs["product"], "pk", None) != self.instance.product_id):
            raise serializers.ValidationError(
                {"product": ["A line's product cannot change: remove the line and add another."]})
        return attrs

    def create(self, validated_data):
        return services.quote_add_line(quote=self.context["quote"],
                                       actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("product", None)
        return services.quote_update_line(line=instance, actor=self.context["request"].user,
                                          **validated_data)


class CloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=CloseReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error answered to a client that asked for a PDF: JSON, and labelled as such.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


class QuoteViewSet(FastListMixin, ScopedModelViewSet):
    serializer_class = QuoteSerializer
    schema_error_statuses = {"pdf": {409}}  # a draft has no PDF yet
    filterset_class = QuoteFilter
    search_fields = ["number", "name", "account__name"]
    ordering_fields = ["id", "created_at", "updated_at", "valid_until", "total", "number"]
    ordering = ["-id"]

    def get_base_queryset(self):
        return selectors.quote_list(user=self.request.user)

    def update(self, request, *args, **kwargs):
        services.quote_check_editable(self.get_object())  # 409 before any field validation
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.quote_delete(quote=instance, actor=self.request.user)

    def _respond(self, quote, status_code=status.HTTP_200_OK):
        quote = selectors.quote_get(user=self.request.user, pk=quote.pk)
        self._etag_instance = quote
        return Response(self.get_serializer(quote).data, status=status_code)

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        quote = services.quote_activate(quote=self.get_object(), actor=request.user)
        return self._respond(quote)

    @extend_schema(request=None, responses={201: QuoteSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        new = services.quote_revise(quote=self.get_object(), actor=request.user)
        return self._respond(new, status.HTTP_201_CREATED)

    @extend_schema(request=CloseSerializer, responses=QuoteSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        quote = self.get_object()
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        quote = services.quote_close(quote=quote, actor=request.user, **body.validated_data)
        return self._respond(quote)

    @extend_schema(request=None, responses=QuoteSerializer)
    @action(detail=True, methods=["post"], url_path="get-products")
    def get_products(self, request, pk=None):
        quote = self.get_object()
        services.quote_get_products(quote=quote, actor=request.user)
        return self._respond(quote)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        quote = self.get_object()
        if quote.status == QuoteStatus.DRAFT:
            raise TransitionNotAllowed(_("A draft quote has no PDF: activate it first."),
                                       allowed=services.allowed_actions(quote),
                                       reason=RefusalReason.QUOTE_DRAFT_HAS_NO_PDF)
        content = quote_pdf(quote, list(selectors.quote_lines(quote=quote)))
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{quote_pdf_filename(quote)}"'
        return response


class LinePage(CursorPage):
    ordering = ("sort_order", "id")


class QuoteLineViewSet(ScopedModelViewSet):
    """`quotes/{quote_pk}/lines/`: readable with the quote; written only while it is a draft."""

    serializer_class = QuoteLineSerializer
    pagination_class = LinePage
    filter_backends: list = []

    def get_quote(self) -> Quote:
        if not hasattr(self, "_quote"):
            self._quote = selectors.quote_get(user=self.request.user,
                                              pk=self.kwargs["quote_pk"])
        return self._quote

    def get_queryset(self):
        return selectors.quote_lines(quote=self.get_quote())

    def get_object(self):
        quote = self.get_quote()
        line = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self._etag_instance = line
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            check_can_change(self.request.user, quote)
            services.quote_check_editable(quote)
            self.check_if_match(line)
        return line

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "quote_pk" in self.kwargs:
            context["quote"] = self.get_quote()
        return context

    def create(self, request, *args, **kwargs):
        quote = self.get_quote()
        check_can_change(request.user, quote)
        services.quote_check_editable(quote)
        return super().create(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.quote_remove_line(line=instance, actor=self.request.user)


def register(router):
    router.register("quotes", QuoteViewSet, basename="quote")


_lines = QuoteLineViewSet.as_view({"get": "list", "post": "create"})
_line = QuoteLineViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update",
                                  "delete": "destroy"})
urlpatterns = [
    path("quotes/<int:quote_pk>/lines/", _lines, name="api-quote-line-list"),
    path("quotes/<int:quote_pk>/lines/<int:pk>/", _line, name="api-quote-line-detail"),
]
