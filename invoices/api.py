"""REST API v1 for orders, invoices and payments (API.md), plus `quotes/{id}/create-order/`.

The conversion action lives here, not in the quotes app, so that imports keep flowing
quotes <- invoices: crm/api.py adds this module's `urlpatterns` in front of the router.
"""

from decimal import Decimal
from types import SimpleNamespace

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from crm.catalog.models import LINE_QUANTITY
from crm.common.api import ETagMixin, IdempotencyMixin, ScopedViewSetMixin
from crm.common.fastlist import FastListMixin
from crm.common.visibility import check_can_change, get_readable_or_404
from quotes.api import PDFRenderer

from . import selectors, services
from .filters import InvoiceFilter, OrderFilter
from .models import Invoice, InvoiceLine, Order, OrderLine, Payment
from .pdf import invoice_pdf

LINE_FIELDS = ["id", "sequence", "product", "product_name", "sku", "unit", "description",
               "quantity", "unit_price", "manual_discount", "tax_rate", "amount", "tax"]
TOTAL_FIELDS = ["currency", "payment_terms", "discount_percent", "discount_amount",
                "freight_amount", "detail_amount", "total_discount", "total_tax", "total",
                "bill_to_lines", "ship_to_lines"]


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = LINE_FIELDS
        read_only_fields = LINE_FIELDS


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = [*LINE_FIELDS, "order_line"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = [
            "id", "number", "name", "status", "quote", "opportunity", "account", "contact",
            "owner", *TOTAL_FIELDS, "ordered_on", "fulfilled_on", "canceled_on",
            "requested_delivery_date", "description", "version", "created_at", "updated_at",
        ]
        read_only_fields = [f for f in fields
                            if f not in ("name", "description", "requested_delivery_date")]

    def update(self, instance, validated_data):
        return services.order_update(order=instance, actor=self.context["request"].user,
                                     **validated_data)


class InvoiceSerializer(serializers.ModelSerializer):
    balance = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id", "number", "name", "status", "status_reason", "order", "opportunity",
            "account", "contact", "owner", *TOTAL_FIELDS, "issue_date", "due_date", "paid_on",
            "canceled_on", "amount_paid", "balance", "overdue", "description", "version",
            "created_at", "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in ("name", "description")]

    def get_overdue(self, invoice) -> bool:
        return invoice.is_overdue(timezone.localdate())

    def update(self, instance, validated_data):
        return services.invoice_update(invoice=instance, actor=self.context["request"].user,
                                       **validated_data)


class PaymentSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2,
                                      min_value=Decimal("0.01"))
    date = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "amount", "date", "reference", "recorded_by", "created_at"]
        read_only_fields = ["id", "invoice", "recorded_by", "created_at"]


class InvoiceLineInput(serializers.Serializer):
    order_line = serializers.IntegerField()
    quantity = serializers.DecimalField(**LINE_QUANTITY, min_value=Decimal("0.001"))


class CreateInvoiceInput(serializers.Serializer):
    lines = InvoiceLineInput(many=True, required=False,
                             help_text="Omit to invoice everything not yet invoiced.")


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CreateOrderInput(serializers.Serializer):
    win_opportunity = serializers.BooleanField(required=False, default=True)


def _unpaginated(data) -> dict:
    """The list shape of API.md for a bounded set (a document's lines, an invoice's payments)."""
    return {"next": None, "previous": None, "results": data}


def _unpaginated_schema(name, serializer_class):
    """The schema of `_unpaginated`: one page, no filters, no cursor."""
    return inline_serializer(name, {
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })


class _ReadPatchViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.UpdateModelMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "patch", "post", "head", "options"]


class OrderViewSet(FastListMixin, _ReadPatchViewSet):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["number", "name", "account__name"]
    ordering_fields = ["id", "number", "created_at", "updated_at", "total", "ordered_on"]
    ordering = ["-id"]

    def get_base_queryset(self):
        return selectors.order_list(user=self.request.user)

    def _respond(self, order, code=status.HTTP_200_OK):
        self._etag_instance = order
        return Response(OrderSerializer(order, context={"request": self.request}).data,
                        status=code)

    @extend_schema(request=NoteInput, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def fulfill(self, request, pk=None):
        note = NoteInput(data=request.data)
        note.is_valid(raise_exception=True)
        order = services.order_fulfill(order=self.get_object(), actor=request.user,
                                       note=note.validated_data.get("note", ""))
        return self._respond(order)

    @extend_schema(request=NoteInput, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        note = NoteInput(data=request.data)
        note.is_valid(raise_exception=True)
        order = services.order_cancel(order=self.get_object(), actor=request.user,
                                      note=note.validated_data.get("note", ""))
        return self._respond(order)

    @extend_schema(request=CreateInvoiceInput, responses={201: InvoiceSerializer})
    @action(detail=True, methods=["post"], url_path="create-invoice")
    def create_invoice(self, request, pk=None):
        body = CreateInvoiceInput(data=request.data)
        body.is_valid(raise_exception=True)
        lines = body.validated_data.get("lines")
        invoice = services.invoice_create_from_order(order=self.get_object(), actor=request.user,
                                                     lines=lines)
        self._etag_instance = invoice
        return Response(InvoiceSerializer(invoice, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses=_unpaginated_schema("OrderLineList", OrderLineSerializer))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def lines(self, request, pk=None):
        order = self.get_object()
        data = OrderLineSerializer(selectors.order_lines(order=order), many=True).data
        return Response(_unpaginated(data))


def _fast_overdue(view, rows):
    """`InvoiceSerializer.get_overdue` from a `values()` row (crm.common.fastlist)."""
    today = timezone.localdate()
    return lambda row: Invoice.is_overdue(SimpleNamespace(
        status=row["status"], balance=row["total"] - row["amount_paid"],
        due_date=row["due_date"]), today)


class InvoiceViewSet(FastListMixin, _ReadPatchViewSet):
    serializer_class = InvoiceSerializer
    fast_list_properties = {"balance": ("total", "amount_paid")}
    fast_list_computed = {"overdue": (("status", "total", "amount_paid", "due_date"),
                                      _fast_overdue)}
    filterset_class = InvoiceFilter
    search_fields = ["number", "name", "account__name"]
    ordering_fields = ["id", "number", "created_at", "updated_at", "total", "issue_date",
                       "due_date"]
    ordering = ["-id"]

    def get_base_queryset(self):
        return selectors.invoice_list(user=self.request.user)

    def _respond(self, invoice):
        self._etag_instance = invoice
        return Response(InvoiceSerializer(invoice, context={"request": self.request}).data)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._respond(services.invoice_issue(invoice=self.get_object(),
                                                    actor=request.user))

    @extend_schema(request=NoteInput, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        note = NoteInput(data=request.data)
        note.is_valid(raise_exception=True)
        return self._respond(services.invoice_cancel(
            invoice=self.get_object(), actor=request.user,
            note=note.validated_data.get("note", "")))

    @extend_schema(responses=_unpaginated_schema("InvoiceLineList", InvoiceLineSerializer))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def lines(self, request, pk=None):
        invoice = self.get_object()
        data = InvoiceLineSerializer(selectors.invoice_lines(invoice=invoice), many=True).data
        return Response(_unpaginated(data))

    @extend_schema(methods=["GET"], responses=_unpaginated_schema("PaymentList",
                                                                  PaymentSerializer))
    @extend_schema(methods=["POST"], request=PaymentSerializer,
                   responses={201: PaymentSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def payments(self, request, pk=None):
        invoice = self.get_object()
        if request.method == "GET":
            data = PaymentSerializer(selectors.invoice_payments(invoice=invoice), many=True).data
            return Response(_unpaginated(data))
        body = PaymentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = services.invoice_record_payment(
            invoice=invoice, amount=body.validated_data["amount"], actor=request.user,
            date=body.validated_data.get("date"),
            reference=body.validated_data.get("reference", ""),
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        self._etag_instance = None
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        body = invoice_pdf(invoice, list(selectors.invoice_lines(invoice=invoice)))
        response = HttpResponse(body, content_type="application/pdf")
        name = invoice.number or f"invoice-draft-{invoice.pk}"
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response


class QuoteCreateOrderView(ETagMixin, IdempotencyMixin, GenericAPIView):
    """`POST quotes/{id}/create-order/` `{"win_opportunity": true}` -> 201 the order."""

    serializer_class = CreateOrderInput

    @extend_schema(request=CreateOrderInput, responses={201: OrderSerializer})
    def post(self, request, pk):
        from quotes.models import Quote

        quote = get_readable_or_404(Quote.objects.all(), request.user, pk=pk)
        check_can_change(request.user, quote)
        self.check_if_match(quote)
        body = CreateOrderInput(data=request.data)
        body.is_valid(raise_exception=True)
        order = services.order_create_from_quote(
            quote=quote, actor=request.user,
            win_opportunity=body.validated_data.get("win_opportunity", True),
        )
        self._etag_instance = order
        return Response(OrderSerializer(order, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def register(router):
    router.register("orders", OrderViewSet, basename="order")
    router.register("invoices", InvoiceViewSet, basename="invoice")


urlpatterns = [
    path("quotes/<int:pk>/create-order/", QuoteCreateOrderView.as_view(),
         name="api-quote-create-order"),
]
