"""Quotes: a priced offer to a customer, revised until it is won or closed.

Lines are snapshots: the product's name, SKU, unit, price, discount and tax rate are copied when
a line is added, so later catalog changes never alter a quote the customer has seen.
Totals are stored on the quote (and per line), recomputed by the services through
crm.catalog.pricing on every draft edit; an active, won or closed quote is never recomputed.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from crm.catalog.models import LINE_QUANTITY, TAX_RATE
from crm.common.fsm import StateMachineMixin
from crm.common.models import BaseModel

MONEY = {"max_digits": 18, "decimal_places": 2}


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    WON = "won", _("Won")
    CLOSED = "closed", _("Closed")


class QuoteStatusReason(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CANCELED = "canceled", _("Canceled")
    REVISED = "revised", _("Revised")


class CloseReason(models.TextChoices):
    """Reasons a person may give when closing an active quote (revised comes from revise)."""

    LOST = "lost", _("Lost")
    CANCELED = "canceled", _("Canceled")


class PaymentTerms(models.TextChoices):
    NET_30 = "net_30", _("Net 30")
    TWO_TEN_NET_30 = "2_10_net_30", _("2% 10, Net 30")
    NET_45 = "net_45", _("Net 45")
    NET_60 = "net_60", _("Net 60")

    @classmethod
    def due_days(cls, value) -> int:
        """Days from the invoice date to its due date under these terms (Net 30 if unknown)."""
        return {cls.NET_30: 30, cls.TWO_TEN_NET_30: 30, cls.NET_45: 45, cls.NET_60: 60}.get(
            value, 30
        )


OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.ACTIVE)
DEFAULT_VALIDITY_DAYS = 30


def default_valid_until() -> date:
    return timezone.localdate() + timedelta(days=DEFAULT_VALIDITY_DAYS)


class QuoteQuerySet(models.QuerySet["Quote"]):
    def open(self) -> "QuoteQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def expiring(self, *, today: date | None = None, within_days: int = 7) -> "QuoteQuerySet":
        """Active quotes whose validity ends within `within_days` (and has not passed)."""
        today = today or timezone.localdate()
        return self.filter(status=QuoteStatus.ACTIVE, valid_until__gte=today,
                           valid_until__lte=today + timedelta(days=within_days))


class Quote(StateMachineMixin, BaseModel):
    name = models.CharField(_("name"), max_length=300)
    # Assigned once from the "quote" series; every revision keeps it.
    number = models.CharField(_("quote number"), max_length=20, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    previous_revision = models.OneToOneField(
        "self", verbose_name=_("previous revision"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="next_revision",
    )
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", verbose_name=_("opportunity"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="quotes",
    )
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="quotes",
    )
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="quotes",
    )
    price_list = models.ForeignKey(
        "catalog.PriceList", verbose_name=_("price list"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="quotes",
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    valid_until = models.DateField(_("valid until"), null=True, blank=True,
                                   default=default_valid_until)
    payment_terms = models.CharField(_("payment terms"), max_length=20,
                                     choices=PaymentTerms.choices, default=PaymentTerms.NET_30)
    description = models.TextField(_("description"), blank=True)

    # Address snapshot, copied from the account when the quote is created.
    bill_to_name = models.CharField(_("bill-to name"), max_length=200, blank=True)
    bill_to_street = models.CharField(_("bill-to street"), max_length=200, blank=True)
    bill_to_city = models.CharField(_("bill-to city"), max_length=100, blank=True)
    bill_to_state = models.CharField(_("bill-to state/province"), max_length=100, blank=True)
    bill_to_postal_code = models.CharField(_("bill-to postal code"), max_length=20, blank=True)
    bill_to_country = models.CharField(_("bill-to country"), max_length=100, blank=True)
    ship_to_name = models.CharField(_("ship-to name"), max_length=200, blank=True)
    ship_to_street = models.CharField(_("ship-to street"), max_length=200, blank=True)
    ship_to_city = models.CharField(_("ship-to city"), max_length=100, blank=True)
    ship_to_state = models.CharField(_("ship-to state/province"), max_length=100, blank=True)
    ship_to_postal_code = models.CharField(_("ship-to postal code"), max_length=20, blank=True)
    ship_to_country = models.CharField(_("ship-to country"), max_length=100, blank=True)

    discount_percent = models.DecimalField(_("quote discount (%)"), max_digits=5,
                                           decimal_places=2, default=0)
    discount_amount = models.DecimalField(_("quote discount amount"), default=0, **MONEY)
    freight_amount = models.DecimalField(_("freight"), default=0, **MONEY)
    # Stored totals (PROCESS.md "Money"), kept by the services.
    detail_amount = models.DecimalField(_("detail amount"), default=0, editable=False, **MONEY)
    total_discount = models.DecimalField(_("total discount"), default=0, editable=False, **MONEY)
    total_tax = models.DecimalField(_("total tax"), default=0, editable=False, **MONEY)
    total = models.DecimalField(_("total"), default=0, editable=False, **MONEY)

    status = FSMField(_("status"), max_length=20, choices=QuoteStatus.choices,
                      default=QuoteStatus.DRAFT, protected=True)
    status_reason = models.CharField(_("status reason"), max_length=20,
                                     choices=QuoteStatusReason.choices,
                                     default=QuoteStatusReason.IN_PROGRESS, editable=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.PROTECT, related_name="quotes")

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"],
                                    name="quote_unique_number_revision"),
            # At most one open (draft or active) revision per quote number.
            models.UniqueConstraint(fields=["number"], condition=Q(status__in=OPEN_STATUSES),
                                    name="quote_one_open_revision"),
            models.CheckConstraint(condition=Q(discount_percent__gte=0)
                                   & Q(discount_percent__lte=100),
                                   name="quote_discount_percent_0_100"),
            models.CheckConstraint(condition=Q(discount_amount__gte=0) & Q(freight_amount__gte=0),
                                   name="quote_discount_freight_nonneg"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="quote_created_idx"),
            models.Index(fields=["owner", "-created_at"], name="quote_owner_created_idx"),
            models.Index(fields=["status", "valid_until"], name="quote_status_valid_idx"),
            models.Index(fields=["account", "-created_at"], name="quote_account_idx"),
            models.Index(fields=["contact", "-created_at"], name="quote_contact_idx"),
            models.Index(fields=["opportunity", "status"], name="quote_opportunity_idx"),
        ]

    def __str__(self):
        return f"{self.display_number} {self.name}"

    def get_absolute_url(self):
        return reverse("quote-detail", args=[self.pk])

    @property
    def display_number(self) -> str:
        return f"{self.number} rev. {self.revision}" if self.revision else self.number

    @property
    def is_editable(self) -> bool:
        return self.status == QuoteStatus.DRAFT

    @property
    def customer(self):
        """The account, or the contact when the quote is for a person."""
        return self.account or self.contact

    @property
    def customer_name(self) -> str:
        if self.account_id:
            return self.account.name
        return self.contact.full_name if self.contact_id else ""

    @property
    def is_expired(self) -> bool:
        return bool(self.valid_until and self.status == QuoteStatus.ACTIVE
                    and self.valid_until < timezone.localdate())

    @staticmethod
    def _address_lines(street, city, state, postal_code, country) -> list[str]:
        city_line = " ".join(p for p in [postal_code, city] if p)
        if state:
            city_line = f"{city_line}, {state}" if city_line else state
        return [x for x in [street, city_line, country] if x]

    @property
    def bill_to_lines(self) -> list[str]:
        lines = self._address_lines(self.bill_to_street, self.bill_to_city, self.bill_to_state,
                                    self.bill_to_postal_code, self.bill_to_country)
        return [self.bill_to_name, *lines] if self.bill_to_name else lines

    @property
    def ship_to_lines(self) -> list[str]:
        lines = self._address_lines(self.ship_to_street, self.ship_to_city, self.ship_to_state,
                                    self.ship_to_postal_code, self.ship_to_country)
        return [self.ship_to_name, *lines] if self.ship_to_name else lines

    # --- transitions (in-memory only; services lock, check, save and record events) ----------
    @transition(field=status, source=QuoteStatus.DRAFT, target=QuoteStatus.ACTIVE)
    def activate(self):
        self.status_reason = QuoteStatusReason.IN_PROGRESS
        self.activated_at = timezone.now()

    @transition(field=status, source=QuoteStatus.ACTIVE, target=QuoteStatus.WON)
    def win(self):
        self.status_reason = QuoteStatusReason.WON
        self.closed_at = timezone.now()

    @transition(field=status, source=QuoteStatus.ACTIVE, target=QuoteStatus.CLOSED)
    def close(self, reason):
        self.status_reason = reason
        self.closed_at = timezone.now()

    @transition(field=status, source=QuoteStatus.DRAFT, target=QuoteStatus.CLOSED)
    def withdraw(self, reason):
        """A draft closed because its opportunity was won or lost (never sent to anyone)."""
        self.status_reason = reason
        self.closed_at = timezone.now()

    @transition(field=status, source=[QuoteStatus.ACTIVE, QuoteStatus.CLOSED],
                target=QuoteStatus.CLOSED)
    def close_as_revised(self):
        self.status_reason = QuoteStatusReason.REVISED
        self.closed_at = self.closed_at or timezone.now()


class QuoteLine(BaseModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", verbose_name=_("product"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")
    # Snapshot of the product when the line was added (or the write-in name).
    product_name = models.CharField(_("product"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=40, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **LINE_QUANTITY, default=1)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    manual_discount = models.DecimalField(_("discount"), default=0, **MONEY)
    tax_rate = models.DecimalField(_("tax rate (%)"), **TAX_RATE, default=0)
    amount = models.DecimalField(_("amount"), default=0, editable=False, **MONEY)
    tax = models.DecimalField(_("tax"), default=0, editable=False, **MONEY)
    sort_order = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_pos"),
            models.CheckConstraint(condition=Q(unit_price__gte=0) & Q(manual_discount__gte=0),
                                   name="quoteline_price_discount_nonneg"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100),
                                   name="quoteline_tax_rate_0_100"),
        ]
        indexes = [models.Index(fields=["quote", "sort_order", "id"], name="quoteline_quote_idx")]

    def __str__(self):
        return f"{self.product_name} × {self.quantity.normalize()}"

    @property
    def is_write_in(self) -> bool:
        return self.product_id is None and not self.sku

    @property
    def base_amount(self):
        return self.amount + self.manual_discount
