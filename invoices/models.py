"""The cash side of lead-to-cash: orders (from won quotes), invoices and payments.

Prices are copied onto order and invoice lines and frozen: a later change in the catalog or on
the quote never changes a document a customer has seen. Invoice numbers come from a per-year
gap-free series at issue time (see services.invoice_issue).
"""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from crm.catalog.models import LINE_QUANTITY, TAX_RATE
from crm.common.fsm import StateMachineMixin
from crm.common.models import ActivityRollupFields, BaseModel

MONEY = {"max_digits": 18, "decimal_places": 2}
ZERO = Decimal("0.00")
DEFAULT_PAYMENT_DAYS = 30


def payment_terms_days(terms: str | None) -> int:
    """Days until an invoice is due for a payment-terms value (`net_30`, `net_60`, ...).

    Unknown or empty terms mean net 30 (PROCESS.md); "due on receipt" means the issue day.
    """
    text = (terms or "").strip().lower()
    if not text:
        return DEFAULT_PAYMENT_DAYS
    if text in {"due_on_receipt", "on_receipt", "immediate", "cash"}:
        return 0
    numbers = re.findall(r"\d+", text)
    if "net" in text and numbers:
        return int(numbers[-1])
    if numbers and len(numbers) == 1:
        return int(numbers[0])
    return DEFAULT_PAYMENT_DAYS


def payment_terms_label(terms: str | None) -> str:
    """"Net 45" for `net_45` (the quote's wording when it names the terms)."""
    from quotes.models import PaymentTerms

    labels = dict(PaymentTerms.choices)
    if terms in labels:
        return str(labels[terms])
    days = payment_terms_days(terms)
    return str(_("Net %(days)s") % {"days": days} if days else _("Due on receipt"))


class OrderStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELED = "canceled", _("Canceled")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAID = "paid", _("Paid")
    CANCELED = "canceled", _("Canceled")


class InvoiceStatusReason(models.TextChoices):
    NEW = "new", _("New")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid in full")
    CANCELED = "canceled", _("Canceled")


class DocumentTotalsFields(models.Model):
    """Header money fields shared by orders and invoices (computed by crm.catalog.pricing)."""

    currency = models.CharField(_("currency"), max_length=3, default="USD")
    payment_terms = models.CharField(_("payment terms"), max_length=40, blank=True)
    discount_percent = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2,
                                           default=ZERO)
    discount_amount = models.DecimalField(_("discount amount"), default=ZERO, **MONEY)
    freight_amount = models.DecimalField(_("freight"), default=ZERO, **MONEY)
    detail_amount = models.DecimalField(_("detail amount"), default=ZERO, **MONEY)
    total_discount = models.DecimalField(_("total discount"), default=ZERO, **MONEY)
    total_tax = models.DecimalField(_("total tax"), default=ZERO, **MONEY)
    total = models.DecimalField(_("total"), default=ZERO, **MONEY)
    # Address snapshots (lines of text) copied from the quote: what the customer was shown.
    bill_to_lines = models.JSONField(_("bill to"), default=list, blank=True)
    ship_to_lines = models.JSONField(_("ship to"), default=list, blank=True)

    class Meta:
        abstract = True

    @property
    def pre_freight_amount(self) -> Decimal:
        return self.detail_amount - self.total_discount

    @property
    def payment_terms_label(self) -> str:
        return payment_terms_label(self.payment_terms)


class DocumentLineFields(models.Model):
    """A frozen line: what was sold, at which price, with which tax (copied, never re-priced)."""

    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(_("item"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=40, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    quantity = models.DecimalField(_("quantity"), **LINE_QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    manual_discount = models.DecimalField(_("discount"), default=ZERO, **MONEY)
    tax_rate = models.DecimalField(_("tax rate %"), **TAX_RATE, default=ZERO)
    amount = models.DecimalField(_("amount"), **MONEY)
    tax = models.DecimalField(_("tax"), default=ZERO, **MONEY)

    class Meta:
        abstract = True

    @property
    def amount_with_tax(self) -> Decimal:
        return self.amount + self.tax


class OrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=OrderStatus.ACTIVE)


class Order(StateMachineMixin, ActivityRollupFields, DocumentTotalsFields, BaseModel):
    number = models.CharField(_("order number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = FSMField(_("status"), max_length=20, choices=OrderStatus.choices,
                      default=OrderStatus.ACTIVE, protected=True)
    quote = models.ForeignKey("quotes.Quote", verbose_name=_("quote"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="orders")
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="orders")
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="orders")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="orders")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, related_name="orders")
    ordered_on = models.DateField(_("order date"))
    fulfilled_on = models.DateField(_("date fulfilled"), null=True, blank=True)
    canceled_on = models.DateField(_("date canceled"), null=True, blank=True)
    requested_delivery_date = models.DateField(_("requested delivery"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"], name="order_owner_status_idx"),
            models.Index(fields=["status", "-created_at"], name="order_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="order_created_idx"),
            models.Index(fields=["account", "-created_at"], name="order_account_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    def get_absolute_url(self):
        return reverse("order-detail", args=[self.pk])

    @property
    def customer(self):
        return self.account or self.contact

    @property
    def customer_name(self) -> str:
        if self.account_id:
            return self.account.name
        if self.contact_id:
            return self.contact.full_name
        return ""

    @transition(field=status, source=OrderStatus.ACTIVE, target=OrderStatus.FULFILLED)
    def fulfill(self, on: date):
        self.fulfilled_on = on

    @transition(field=status, source=OrderStatus.ACTIVE, target=OrderStatus.CANCELED)
    def cancel(self, on: date):
        self.canceled_on = on


class OrderLine(DocumentLineFields):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    quote_line_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["order", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_pos"),
        ]

    def __str__(self):
        return f"{self.product_name} x {self.quantity.normalize()}"


def _balance_expression():
    return ExpressionWrapper(F("total") - F("amount_paid"),
                             output_field=DecimalField(**MONEY))


class InvoiceQuerySet(models.QuerySet):
    def with_balance(self):
        return self.annotate(balance_due=_balance_expression())

    def open(self):
        """Issued and not fully paid."""
        return self.filter(status=InvoiceStatus.ACTIVE, total__gt=F("amount_paid"))

    def overdue(self, today: date):
        """Active, with a balance, past the due date (PROCESS.md: derived, never stored)."""
        return self.open().filter(due_date__lt=today)

    def not_overdue(self, today: date):
        return self.exclude(pk__in=self.overdue(today).values("pk"))

    def with_overdue_flag(self, today: date):
        return self.annotate(overdue_flag=Case(
            When(Q(status=InvoiceStatus.ACTIVE, total__gt=F("amount_paid"), due_date__lt=today),
                 then=Value(True)),
            default=Value(False), output_field=models.BooleanField(),
        ))


class Invoice(StateMachineMixin, ActivityRollupFields, DocumentTotalsFields, BaseModel):
    # Empty until issued: drafts carry no number so an abandoned draft leaves no gap.
    number = models.CharField(_("invoice number"), max_length=30, blank=True, default="")
    name = models.CharField(_("name"), max_length=200)
    status = FSMField(_("status"), max_length=20, choices=InvoiceStatus.choices,
                      default=InvoiceStatus.DRAFT, protected=True)
    status_reason = models.CharField(_("status reason"), max_length=20,
                                     choices=InvoiceStatusReason.choices,
                                     default=InvoiceStatusReason.NEW)
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT,
                              related_name="invoices")
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="invoices")
    account = models.ForeignKey("customers.Account", verbose_name=_("account"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="invoices")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="invoices")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, related_name="invoices")
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    canceled_on = models.DateField(_("canceled on"), null=True, blank=True)
    amount_paid = models.DecimalField(_("amount paid"), default=ZERO, **MONEY)
    description = models.TextField(_("description"), blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""),
                                    name="invoice_number_unique"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("total")),
                                   name="invoice_paid_within_total"),
            models.CheckConstraint(condition=Q(status__in=["draft", "canceled"]) | ~Q(number=""),
                                   name="invoice_issued_has_number"),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"],
                         name="invoice_owner_status_idx"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due_idx"),
            models.Index(fields=["-created_at", "-id"], name="invoice_created_idx"),
            models.Index(fields=["account", "status"], name="invoice_account_idx"),
            models.Index(fields=["issue_date"], name="invoice_issue_date_idx"),
        ]

    def __str__(self):
        return self.display_number

    def get_absolute_url(self):
        return reverse("invoice-detail", args=[self.pk])

    @property
    def display_number(self) -> str:
        return self.number or _("Draft invoice #%(id)s") % {"id": self.pk}

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid

    def is_overdue(self, today: date) -> bool:
        return bool(self.status == InvoiceStatus.ACTIVE and self.balance > 0
                    and self.due_date and self.due_date < today)

    def days_overdue(self, today: date) -> int:
        return (today - self.due_date).days if self.is_overdue(today) else 0

    @property
    def customer_name(self) -> str:
        if self.account_id:
            return self.account.name
        if self.contact_id:
            return self.contact.full_name
        return ""

    @transition(field=status, source=InvoiceStatus.DRAFT, target=InvoiceStatus.ACTIVE)
    def issue(self, *, number: str, issue_date: date, due_date: date):
        self.number = number
        self.issue_date = issue_date
        self.due_date = due_date
        self.status_reason = InvoiceStatusReason.NEW

    @transition(field=status, source=InvoiceStatus.ACTIVE, target=InvoiceStatus.PAID)
    def mark_paid(self, on: date):
        self.paid_on = on
        self.status_reason = InvoiceStatusReason.PAID

    @transition(field=status, source=[InvoiceStatus.DRAFT, InvoiceStatus.ACTIVE],
                target=InvoiceStatus.CANCELED, conditions=[lambda i: i.amount_paid == 0])
    def cancel(self, on: date):
        self.canceled_on = on
        self.status_reason = InvoiceStatusReason.CANCELED


class InvoiceLine(DocumentLineFields):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT,
                                   related_name="invoice_lines")

    class Meta:
        ordering = ["invoice", "sequence", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoiceline_quantity_pos"),
        ]

    def __str__(self):
        return f"{self.product_name} x {self.quantity.normalize()}"


class Payment(BaseModel):
    """Money received against an issued invoice. Refunds are out of scope (never negative)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(_("amount"), **MONEY)
    date = models.DateField(_("payment date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["invoice", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False),
                                    name="payment_idempotency_unique"),
        ]
        indexes = [models.Index(fields=["invoice", "-date"], name="payment_invoice_idx")]

    def __str__(self):
        return f"{self.amount} on {self.date}"
