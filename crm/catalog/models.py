from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.common.models import BaseModel


# One precision for the quantity and the tax rate of every line (opportunity, quote, order and
# invoice lines, their forms and serializers): a line copies along the pipeline without being
# rounded or overflowing the next document's column.
class Digits(TypedDict):
    max_digits: int
    decimal_places: int


LINE_QUANTITY: Digits = {"max_digits": 14, "decimal_places": 3}
TAX_RATE: Digits = {"max_digits": 6, "decimal_places": 3}


class TaxRate(BaseModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    rate = models.DecimalField(
        _("rate (%)"), **TAX_RATE,
        validators=[MinValueValidator(0)],
    )
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=100),
                                   name="taxrate_rate_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate.normalize()}%)"


class Product(BaseModel):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="each")
    default_tax_rate = models.ForeignKey(
        TaxRate, verbose_name=_("default tax rate"), null=True, blank=True,
        on_delete=models.SET_NULL,
    )
    active = models.BooleanField(_("active"), default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
        related_name="products",
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["active", "name"], name="product_active_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def get_absolute_url(self) -> str:
        return reverse("product-detail", args=[self.pk])


class PriceList(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="pricelist_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end date is before the start date.")})
        if self.currency:
            self.currency = self.currency.upper()

    def is_valid_on(self, day: date | None = None) -> bool:
        day = day or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def price_for(self, product: Any) -> Decimal | None:
        item = self.items.filter(product=product).first()
        return item.unit_price if item else None


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="price_items")
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2,
                                     validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["product__name"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"],
                                    name="pricelistitem_unique_product"),
            models.CheckConstraint(condition=Q(unit_price__gte=0),
                                   name="pricelistitem_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.unit_price}"
