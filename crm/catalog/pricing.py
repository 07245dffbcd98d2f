"""Line and document totals, exactly as PROCESS.md "Money" says. Pure Decimal, no database.

    line base     = quantity x unit price                      (rounded half-up to cents)
    line amount   = base - manual discount                     (never below zero)
    line tax      = round(line amount x tax rate %)
    detail        = sum(line amounts)
    doc discount  = round(detail x discount %) + discount amount
    pre-freight   = detail - doc discount
    total         = pre-freight + freight + sum(line taxes)
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from crm.common.formatting import format_money
from crm.common.money import ZERO, round_money, to_decimal

HUNDRED = Decimal(100)


class PricingError(ValueError):
    """Input that cannot be priced (negative quantity, discount above the line, ...)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class LineTotals:
    base: Decimal
    manual_discount: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal

    @property
    def amount_with_tax(self) -> Decimal:
        return self.amount + self.tax


@dataclass(frozen=True)
class DocumentTotals:
    detail_amount: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    total_discount: Decimal
    pre_freight_amount: Decimal
    freight_amount: Decimal
    total_tax: Decimal
    total: Decimal


def line_totals(*, quantity, unit_price, manual_discount=ZERO, tax_rate=ZERO) -> LineTotals:
    quantity = to_decimal(quantity)
    unit_price = to_decimal(unit_price)
    manual_discount = round_money(manual_discount)
    tax_rate = to_decimal(tax_rate)
    if quantity <= 0:
        raise PricingError(_("Quantity must be greater than zero."), "quantity")
    if unit_price < 0:
        raise PricingError(_("Unit price cannot be negative."), "unit_price")
    if manual_discount < 0:
        raise PricingError(_("Discount cannot be negative."), "manual_discount")
    if not (ZERO <= tax_rate <= HUNDRED):
        raise PricingError(_("Tax rate must be between 0 and 100 percent."), "tax_rate")
    base = round_money(quantity * unit_price)
    if manual_discount > base:
        raise PricingError(
            _("Discount %(discount)s is more than the line amount %(base)s.")
            % {"discount": format_money(manual_discount), "base": format_money(base)},
            "manual_discount",
        )
    amount = base - manual_discount
    tax = round_money(amount * tax_rate / HUNDRED)
    return LineTotals(base, manual_discount, amount, tax_rate, tax)


def document_totals(
    lines: Iterable[LineTotals], *, discount_percent=ZERO, discount_amount=ZERO,
    freight_amount=ZERO,
) -> DocumentTotals:
    lines = list(lines)
    discount_percent = to_decimal(discount_percent)
    discount_amount = round_money(discount_amount)
    freight_amount = round_money(freight_amount)
    if not (ZERO <= discount_percent <= HUNDRED):
        raise PricingError(_("Discount percent must be between 0 and 100."), "discount_percent")
    if discount_amount < 0:
        raise PricingError(_("Discount amount cannot be negative."), "discount_amount")
    if freight_amount < 0:
        raise PricingError(_("Freight cannot be negative."), "freight_amount")
    detail = sum((line.amount for line in lines), ZERO)
    total_discount = round_money(detail * discount_percent / HUNDRED) + discount_amount
    if total_discount > detail:
        raise PricingError(
            _("Document discount %(discount)s is more than the detail amount %(detail)s.")
            % {"discount": format_money(total_discount), "detail": format_money(detail)},
            "discount_amount",
        )
    pre_freight = detail - total_discount
    total_tax = sum((line.tax for line in lines), ZERO)
    total = pre_freight + freight_amount + total_tax
    return DocumentTotals(
        detail_amount=detail,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        total_discount=total_discount,
        pre_freight_amount=pre_freight,
        freight_amount=freight_amount,
        total_tax=total_tax,
        total=total,
    )
