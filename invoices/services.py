"""Every write to orders, invoices and payments (PROCESS.md, "Order and invoice").

Each service owns its transaction, locks the row it changes (SELECT ... FOR UPDATE), runs the
django-fsm transition and writes an event the record's timeline shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.catalog.pricing import LineTotals, PricingError, document_totals, line_totals
from crm.catalog.services import check_line_product
from crm.common.changes import record_updated, snapshot
from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from crm.common.formatting import format_day, format_money
from crm.common.money import ZERO, round_money, to_decimal
from crm.common.sequences import next_number
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import check_can_change
from crm.users.models import User

from .models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceStatusReason,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    payment_terms_days,
)

if TYPE_CHECKING:
    from crm.catalog.models import PriceList, Product
    from crm.customers.models import Account, Contact
    from quotes.models import Quote, QuoteLine

ORDER_SERIES = "ORD"
INVOICE_SERIES = "INV"
ORDER_EDITABLE_FIELDS = ("name", "description", "requested_delivery_date")
INVOICE_EDITABLE_FIELDS = ("name", "description")


def _today() -> date:
    return timezone.localdate()


def _document_number(prefix: str, on: date) -> str:
    """`INV-2026-000001`: a per-year series, locked so concurrent issuers never collide."""
    series = f"{prefix}-{on.year}"
    return f"{series}-{next_number(series):06d}"


# --- Orders -----------------------------------------------------------------------------------


def _quote_customer(quote: Quote) -> tuple[Account | None, Contact | None]:
    """(account, contact) of a quote; a contact-only quote bills the contact's account."""
    account, contact = quote.account, quote.contact
    if account is None and contact is not None:
        account = contact.account
    return account, contact


def _quote_line_values(line: QuoteLine) -> dict[str, Any]:
    """The frozen copy of a quote line (the quote line is itself a snapshot of the catalog)."""
    return {
        "product": line.product,
        "product_name": line.product_name or _("Item"),
        "sku": line.sku,
        "unit": line.unit,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "manual_discount": line.manual_discount,
        "tax_rate": line.tax_rate,
        "amount": line.amount,
        "tax": line.tax,
    }


@transaction.atomic
def order_create_from_quote(*, quote: Quote, actor: User, win_opportunity: bool = True) -> Order:
    """Turn an active quote into an order, all in one transaction.

    Copies the quote's customer, terms, totals and every line (prices frozen), marks the quote
    `won` and, unless `win_opportunity` is False, wins the opportunity with the quote's total as
    actual revenue (closing its other open quotes). Refused unless the quote is `active`; any
    failure rolls everything back, so the quote stays active and no order exists.
    """
    from opportunities.services import opportunity_win
    from quotes.models import Quote
    from quotes.services import allowed_actions as quote_allowed_actions
    from quotes.services import quote_mark_won

    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    check_can_change(actor, quote)
    if quote.status != "active":
        raise TransitionNotAllowed(
            _("Only an active quote can become an order; this quote is %(status)s.")
            % {"status": quote.get_status_display()},
            allowed=quote_allowed_actions(quote), reason=RefusalReason.WRONG_STATUS,
        )
    quote_lines = list(quote.lines.select_related("product").order_by("sort_order", "id"))
    if not quote_lines:
        raise BusinessRuleViolation(_("The quote has no lines to order."),
                                    reason=RefusalReason.QUOTE_HAS_NO_LINES)
    today = _today()
    account, contact = _quote_customer(quote)
    opportunity = quote.opportunity
    order = Order(
        number=_document_number(ORDER_SERIES, today),
        name=quote.name[:200],
        quote=quote,
        opportunity=opportunity,
        account=account,
        contact=contact,
        owner=quote.owner,
        ordered_on=today,
        currency=quote.currency,
        payment_terms=quote.payment_terms,
        discount_percent=quote.discount_percent or ZERO,
        discount_amount=quote.discount_amount or ZERO,
        freight_amount=quote.freight_amount or ZERO,
        detail_amount=quote.detail_amount,
        total_discount=quote.total_discount,
        total_tax=quote.total_tax,
        total=quote.total,
        description=quote.description,
        bill_to_lines=quote.bill_to_lines,
        ship_to_lines=quote.ship_to_lines,
    )
    order.save()
    OrderLine.objects.bulk_create([
        OrderLine(order=order, sequence=index, quote_line_id=line.pk, **_quote_line_values(line))
        for index, line in enumerate(quote_lines, start=1)
    ])
    record_event(record=order, actor=actor, action=EventType.CREATED, to_state=order.status,
                 note=_("Created from quote %(quote)s.") % {"quote": quote.display_number},
                 data={"quote": quote.pk, "total": str(order.total)})
    quote_mark_won(quote=quote, actor=actor)
    if win_opportunity and opportunity is not None and opportunity.status == "open":
        opportunity_win(
            opportunity=opportunity, actor=actor, actual_revenue=order.total,
            close_date=today, note=_("Won with order %(number)s.") % {"number": order.number},
            close_quotes=True, winning_quote=quote,
        )
    return order


def _locked_order(order: Order, actor: User) -> Order:
    order = Order.objects.select_for_update().get(pk=order.pk)
    check_can_change(actor, order)
    return order


def _order_is_invoiced(order: Order) -> bool:
    return order.invoices.exclude(status=InvoiceStatus.CANCELED).exists()


def _allowed_order_actions(order: Order) -> list[str]:
    if order.status != OrderStatus.ACTIVE:
        return ["create_invoice"] if order.status == OrderStatus.FULFILLED else []
    actions = ["fulfill", "create_invoice"]
    if not _order_is_invoiced(order):
        actions.append("cancel")
    return actions


@transaction.atomic
def order_fulfill(*, order: Order, actor: User, on: date | None = None, note: str = "") -> Order:
    """Mark an active order fulfilled (shipped or delivered). Refused once fulfilled/canceled."""
    order = _locked_order(order, actor)
    if order.status != OrderStatus.ACTIVE:
        raise TransitionNotAllowed(
            _("Only an active order can be fulfilled; this order is %(status)s.")
            % {"status": order.get_status_display()},
            allowed=_allowed_order_actions(order), reason=RefusalReason.WRONG_STATUS,
        )
    before = order.status
    order.fulfill(on or _today())
    order.save(update_fields=["status", "fulfilled_on"])
    record_event(record=order, actor=actor, action=EventType.FULFILLED, from_state=before,
                 to_state=order.status, note=note)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User, note: str = "") -> Order:
    """Cancel an active order. Refused once any (not canceled) invoice exists for it."""
    order = _locked_order(order, actor)
    if order.status != OrderStatus.ACTIVE:
        raise TransitionNotAllowed(
            _("Only an active order can be canceled; this order is %(status)s.")
            % {"status": order.get_status_display()},
            allowed=_allowed_order_actions(order), reason=RefusalReason.WRONG_STATUS,
        )
    if _order_is_invoiced(order):
        raise TransitionNotAllowed(
            _("This order has been invoiced and can no longer be canceled. Cancel its invoices "
              "first."),
            allowed=_allowed_order_actions(order), reason=RefusalReason.ORDER_INVOICED,
        )
    before = order.status
    order.cancel(_today())
    order.save(update_fields=["status", "canceled_on"])
    record_event(record=order, actor=actor, action=EventType.CANCELED, from_state=before,
                 to_state=order.status, note=note)
    return order


@transaction.atomic
def order_update(*, order: Order, actor: User, name: Maybe[str] = UNSET,
                 description: Maybe[str] = UNSET,
                 requested_delivery_date: Maybe[date | None] = UNSET) -> Order:
    """Edit an active order's name, description or requested delivery date (never prices)."""
    order = _locked_order(order, actor)
    if order.status != OrderStatus.ACTIVE:
        raise RecordLocked(_("Only an active order can be edited."),
                           reason=RefusalReason.NOT_EDITABLE)
    before = snapshot(order)
    order, updated = model_update(
        instance=order, fields=ORDER_EDITABLE_FIELDS,
        data=given(name=name, description=description,
                   requested_delivery_date=requested_delivery_date),
        validate=lambda order, changed: order.full_clean(
            exclude=["quote", "opportunity", "account", "contact", "owner", "status"]))
    if updated:
        record_updated(record=order, actor=actor, before=before)
    return order


# --- Order lines (the shared line editor on the order page) ----------------------------------

ORDER_TOTAL_FIELDS = ["detail_amount", "total_discount", "total_tax", "total"]


def _order_price_list(order: Order) -> PriceList | None:
    from crm.catalog.models import PriceList

    quote = order.quote
    if quote is not None and quote.price_list is not None:
        return quote.price_list
    return PriceList.objects.filter(is_default=True).order_by("id").first()


def _pricing_refusal(exc: PricingError) -> BusinessRuleViolation:
    message = str(exc)
    return BusinessRuleViolation(message, fields={exc.field: [message]} if exc.field else None)


def _product_tax_rate(product: Product | None) -> Decimal:
    from crm.catalog.models import TaxRate

    default_rate = product.default_tax_rate if product is not None else None
    if default_rate is not None:
        return default_rate.rate
    default: Decimal | None = TaxRate.objects.filter(is_default=True, active=True).values_list(
        "rate", flat=True).first()
    return default if default is not None else ZERO


def _save_order_totals(order: Order) -> None:
    """Recompute the order's header totals from its lines (prices of existing lines stay)."""
    rows = order.lines.values_list("amount", "tax", "manual_discount", "tax_rate")
    try:
        totals = document_totals(
            [LineTotals(base=amount + discount, manual_discount=discount, amount=amount,
                        tax_rate=rate, tax=tax) for amount, tax, discount, rate in rows],
            discount_percent=order.discount_percent, discount_amount=order.discount_amount,
            freight_amount=order.freight_amount)
    except PricingError as exc:
        raise _pricing_refusal(exc)
    order.detail_amount, order.total_discount = totals.detail_amount, totals.total_discount
    order.total_tax, order.total = totals.total_tax, totals.total
    order.save(update_fields=ORDER_TOTAL_FIELDS)


def _check_lines_editable(order: Order) -> None:
    if order.status != OrderStatus.ACTIVE:
        raise RecordLocked(_("Only an active order's lines can be changed; this order is "
                             "%(status)s.") % {"status": order.get_status_display().lower()},
                           reason=RefusalReason.NOT_EDITABLE)


@transaction.atomic
def order_add_line(*, order: Order, actor: User, product: Product | None = None,
                   write_in_name: str = "", quantity: Decimal | int | str = 1,
                   unit_price: Decimal | str | None = None,
                   manual_discount: Decimal | None = ZERO, tax_rate: Decimal | str | None = None,
                   description: str = "") -> OrderLine:
    """Add a line to an active order: a catalog product (its name, SKU, unit, the price on the
    order's price list and its tax rate, frozen like the copied lines) or a write-in with a
    price. The lines copied from the quote keep their prices. Refused (RecordLocked) unless the
    order is active; 400 when there is no price or the numbers do not price."""
    from crm.catalog.selectors import price_for

    order = _locked_order(order, actor)
    _check_lines_editable(order)
    write_in_name = check_line_product(product=product, write_in_name=write_in_name)
    if unit_price in (None, ""):
        price_list = _order_price_list(order)
        unit_price = price_for(price_list=price_list, product=product) if product else None
        if unit_price is None:
            message = (_("“%(p)s” is not on the price list %(l)s: enter a unit price.") % {
                "p": product.name, "l": price_list} if product else
                _("Enter a unit price for a write-in product."))
            raise BusinessRuleViolation(message, fields={"unit_price": [message]},
                                        reason=RefusalReason.PRICE_NOT_LISTED)
    if tax_rate in (None, ""):
        tax_rate = _product_tax_rate(product)
    try:
        totals = line_totals(quantity=quantity, unit_price=unit_price,
                             manual_discount=manual_discount or ZERO, tax_rate=tax_rate)
    except PricingError as exc:
        raise _pricing_refusal(exc)
    sequence = (order.lines.aggregate(last=Max("sequence"))["last"] or 0) + 1
    line = OrderLine.objects.create(
        order=order, product=product, sequence=sequence,
        product_name=product.name if product else write_in_name,
        sku=product.sku if product else "", unit=product.unit if product else "",
        description=description or "", quantity=to_decimal(quantity),
        unit_price=round_money(unit_price), manual_discount=totals.manual_discount,
        tax_rate=to_decimal(tax_rate), amount=totals.amount, tax=totals.tax,
    )
    _save_order_totals(order)
    record_event(record=order, actor=actor, action=EventType.LINE_ADDED,
                 note=_("%(name)s: %(amount)s") % {
                     "name": line.product_name, "amount": format_money(line.amount,
                                                                       order.currency)},
                 data={"name": line.product_name, "amount": str(line.amount),
                       "total": str(order.total)})
    return line


@transaction.atomic
def order_remove_line(*, line: OrderLine, actor: User) -> Order:
    """Remove a line from an active order. Refused when the line has been invoiced (cancel
    that invoice first) or is the order's last line."""
    order = _locked_order(line.order, actor)
    _check_lines_editable(order)
    line = OrderLine.objects.select_for_update().get(pk=line.pk, order=order)
    if order_invoiced_quantities(order).get(line.pk):
        raise BusinessRuleViolation(_("“%(name)s” has been invoiced: cancel its invoice before "
                                      "removing the line.") % {"name": line.product_name},
                                    reason=RefusalReason.ORDER_INVOICED)
    if order.lines.count() <= 1:
        raise BusinessRuleViolation(_("An order keeps at least one line: cancel the order "
                                      "instead."), reason=RefusalReason.ORDER_LAST_LINE)
    name = line.product_name
    line.delete()
    _save_order_totals(order)
    record_event(record=order, actor=actor, action=EventType.LINE_REMOVED, note=name,
                 data={"name": name, "total": str(order.total)})
    return order


# --- Invoices ---------------------------------------------------------------------------------


def order_invoiced_quantities(order: Order) -> dict[int, Decimal]:
    """Quantity already invoiced per order line (canceled invoices do not count)."""
    rows = (InvoiceLine.objects.filter(order_line__order=order)
            .exclude(invoice__status=InvoiceStatus.CANCELED)
            .values("order_line_id").annotate(quantity=Sum("quantity")))
    return {row["order_line_id"]: row["quantity"] for row in rows}


def _requested_quantities(order_lines: list[OrderLine], remaining: dict[int, Decimal],
                          lines: Iterable[Mapping[str, Any]] | None) -> dict[int, Decimal]:
    if lines is None:
        return {ol.pk: remaining[ol.pk] for ol in order_lines if remaining[ol.pk] > 0}
    by_id = {ol.pk: ol for ol in order_lines}
    requested: dict[int, Decimal] = {}
    errors = []
    reason: RefusalReason | None = None  # of the first error, when a rule (not bad input)
    for item in lines:
        line_ref = item.get("order_line")
        line_id = getattr(line_ref, "pk", line_ref)
        try:
            quantity = to_decimal(item.get("quantity"))
        except (TypeError, ValueError):
            errors.append(_("Quantity must be a number."))
            continue
        if line_id not in by_id:
            errors.append(_("Line %(id)s is not a line of this order.") % {"id": line_id})
            continue
        if quantity == 0:
            continue
        if quantity < 0:
            errors.append(_("Quantity must be greater than zero."))
            continue
        total = requested.get(line_id, ZERO) + quantity
        if total > remaining[line_id]:
            if not errors:
                reason = RefusalReason.QUANTITY_ABOVE_REMAINING
            errors.append(
                _("%(item)s: only %(left)s left to invoice, %(asked)s requested.")
                % {"item": by_id[line_id].product_name, "left": remaining[line_id].normalize(),
                   "asked": total.normalize()})
            continue
        requested[line_id] = total
    if errors:
        raise BusinessRuleViolation(errors[0], fields={"lines": errors}, reason=reason)
    return requested


@transaction.atomic
def invoice_create_from_order(*, order: Order, actor: User,
                              lines: Iterable[Mapping[str, Any]] | None = None) -> Invoice:
    """Create a draft invoice from an active or fulfilled order.

    `lines=None` invoices everything not yet invoiced; otherwise `lines` is a list of
    `{"order_line": id, "quantity": Decimal}` for a partial invoice. Across all (not canceled)
    invoices a line is never invoiced beyond the ordered quantity: the order row is locked, so
    two concurrent requests cannot both take the last units. A partial line's manual discount is
    prorated; the order's fixed discount and freight go on its first invoice.
    """
    order = _locked_order(order, actor)
    if order.status not in (OrderStatus.ACTIVE, OrderStatus.FULFILLED):
        raise TransitionNotAllowed(
            _("Invoices can only be created from an active or fulfilled order; this order is "
              "%(status)s.") % {"status": order.get_status_display()},
            allowed=_allowed_order_actions(order),
        )
    order_lines = list(order.lines.select_related("product").order_by("sequence", "id"))
    invoiced = order_invoiced_quantities(order)
    remaining = {ol.pk: ol.quantity - invoiced.get(ol.pk, ZERO) for ol in order_lines}
    requested = _requested_quantities(order_lines, remaining, lines)
    if not requested:
        raise BusinessRuleViolation(
            _("Everything on this order has already been invoiced.") if lines is None
            else _("Choose at least one line and quantity to invoice."),
            fields={"lines": [_("Nothing to invoice.")]},
            reason=RefusalReason.NOTHING_LEFT_TO_INVOICE if lines is None else None,
        )
    first_invoice = not invoiced and not order.invoices.exclude(
        status=InvoiceStatus.CANCELED).exists()
    new_lines = []
    totals = []
    for sequence, ol in enumerate((ol for ol in order_lines if ol.pk in requested), start=1):
        quantity = requested[ol.pk]
        if quantity == ol.quantity:
            discount = ol.manual_discount
        else:
            discount = round_money(ol.manual_discount * quantity / ol.quantity)
        priced = line_totals(quantity=quantity, unit_price=ol.unit_price,
                             manual_discount=discount, tax_rate=ol.tax_rate)
        totals.append(priced)
        new_lines.append(InvoiceLine(
            order_line=ol, sequence=sequence, product=ol.product, product_name=ol.product_name,
            sku=ol.sku, unit=ol.unit, description=ol.description, quantity=quantity,
            unit_price=ol.unit_price, manual_discount=priced.manual_discount,
            tax_rate=ol.tax_rate, amount=priced.amount, tax=priced.tax,
        ))
    try:
        doc = document_totals(
            totals, discount_percent=order.discount_percent,
            discount_amount=order.discount_amount if first_invoice else ZERO,
            freight_amount=order.freight_amount if first_invoice else ZERO,
        )
    except PricingError as exc:
        raise BusinessRuleViolation(str(exc), fields={"lines": [str(exc)]})
    invoice = Invoice.objects.create(
        name=order.name, order=order, opportunity_id=order.opportunity_id,
        account_id=order.account_id, contact_id=order.contact_id, owner_id=order.owner_id,
        currency=order.currency, payment_terms=order.payment_terms,
        bill_to_lines=order.bill_to_lines, ship_to_lines=order.ship_to_lines,
        discount_percent=doc.discount_percent, discount_amount=doc.discount_amount,
        freight_amount=doc.freight_amount, detail_amount=doc.detail_amount,
        total_discount=doc.total_discount, total_tax=doc.total_tax, total=doc.total,
    )
    for line in new_lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(new_lines)
    record_event(record=invoice, actor=actor, action=EventType.CREATED, to_state=invoice.status,
                 note=_("Created from order %(number)s.") % {"number": order.number},
                 data={"order": order.pk, "total": str(invoice.total)})
    record_event(record=order, actor=actor, action=EventType.INVOICED,
                 note=_("Invoice drafted for %(total)s.") % {
                     "total": format_money(invoice.total, invoice.currency)},
                 data={"invoice": invoice.pk})
    return invoice


def _locked_invoice(invoice: Invoice, actor: User) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    check_can_change(actor, invoice)
    return invoice


def _allowed_invoice_actions(invoice: Invoice) -> list[str]:
    if invoice.status == InvoiceStatus.DRAFT:
        return ["issue", "cancel"]
    if invoice.status == InvoiceStatus.ACTIVE:
        return ["record_payment"] + (["cancel"] if invoice.amount_paid == 0 else [])
    return []


@transaction.atomic
def invoice_issue(*, invoice: Invoice, actor: User, issue_date: date | None = None) -> Invoice:
    """Issue a draft: assign the next `INV-<year>-<6 digits>` and the due date.

    The number comes from a locked per-year counter inside this transaction, so concurrent
    issuers queue up and a rolled-back issue gives its number back: no gaps, no duplicates.
    The due date follows the payment terms (net 30 when none). Refused unless draft.
    """
    invoice = _locked_invoice(invoice, actor)
    if invoice.status != InvoiceStatus.DRAFT:
        raise TransitionNotAllowed(
            _("Only a draft invoice can be issued; this invoice is %(status)s.")
            % {"status": invoice.get_status_display()},
            allowed=_allowed_invoice_actions(invoice), reason=RefusalReason.WRONG_STATUS,
        )
    issue_date = issue_date or _today()
    due_date = issue_date + timedelta(days=payment_terms_days(invoice.payment_terms))
    before = invoice.status
    invoice.issue(number=_document_number(INVOICE_SERIES, issue_date), issue_date=issue_date,
                  due_date=due_date)
    fields = ["status", "status_reason", "number", "issue_date", "due_date"]
    record_event(record=invoice, actor=actor, action=EventType.ISSUED, from_state=before,
                 to_state=invoice.status,
                 note=_("Issued as %(number)s, due %(due)s.")
                 % {"number": invoice.number, "due": format_day(due_date)})
    if invoice.total == 0:  # nothing to collect: a zero invoice is settled on issue
        invoice.mark_paid(issue_date)
        fields.append("paid_on")
        record_event(record=invoice, actor=actor, action=EventType.PAID,
                     from_state=InvoiceStatus.ACTIVE,
                     to_state=invoice.status)
    invoice.save(update_fields=fields)
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor: User, note: str = "") -> Invoice:
    """Cancel a draft or issued invoice; refused once a payment exists (refunds are out of
    scope). Its quantities become invoiceable again on the order."""
    invoice = _locked_invoice(invoice, actor)
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.ACTIVE):
        raise TransitionNotAllowed(
            _("This invoice is %(status)s and can no longer be canceled.")
            % {"status": invoice.get_status_display()},
            allowed=_allowed_invoice_actions(invoice), reason=RefusalReason.WRONG_STATUS,
        )
    if invoice.amount_paid > 0:
        raise TransitionNotAllowed(
            _("A payment has been recorded on this invoice, so it cannot be canceled."),
            allowed=_allowed_invoice_actions(invoice), reason=RefusalReason.INVOICE_HAS_PAYMENTS,
        )
    before = invoice.status
    invoice.cancel(_today())
    invoice.save(update_fields=["status", "status_reason", "canceled_on"])
    record_event(record=invoice, actor=actor, action=EventType.CANCELED, from_state=before,
                 to_state=invoice.status, note=note)
    return invoice


@transaction.atomic
def invoice_update(*, invoice: Invoice, actor: User, name: Maybe[str] = UNSET,
                   description: Maybe[str] = UNSET) -> Invoice:
    """Edit a draft invoice's name or description; issued invoices are immutable."""
    invoice = _locked_invoice(invoice, actor)
    if invoice.status != InvoiceStatus.DRAFT:
        raise RecordLocked(_("An issued invoice cannot be changed; cancel it and issue a new "
                             "one instead."), reason=RefusalReason.NOT_EDITABLE)
    before = snapshot(invoice)
    invoice, updated = model_update(
        instance=invoice, fields=INVOICE_EDITABLE_FIELDS,
        data=given(name=name, description=description),
        validate=lambda invoice, changed: None)  # name and description: nothing to check
    if updated:
        record_updated(record=invoice, actor=actor, before=before)
    return invoice


@transaction.atomic
def invoice_record_payment(*, invoice: Invoice, amount: Decimal | int | str, actor: User,
                           date: date | None = None,
                           reference: str = "", idempotency_key: str | None = None) -> Payment:
    """Record money received against an issued invoice.

    Refused: amount not above zero, above the balance, a date in the future, or an invoice that
    is not `active`. The invoice becomes `paid` when its balance reaches zero and shows
    `partially_paid` in between. The invoice row is locked first, so a retry carrying the same
    `idempotency_key` (even one racing the original) finds the first payment and returns it
    instead of recording a second one.
    """
    invoice = _locked_invoice(invoice, actor)
    try:
        amount = round_money(to_decimal(amount))
    except (TypeError, ValueError):
        raise BusinessRuleViolation(_("Enter the amount as a number."),
                                    fields={"amount": [_("Enter a number.")]})
    if idempotency_key:
        existing = invoice.payments.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.amount != amount:
                raise BusinessRuleViolation(
                    _("This idempotency key was already used for a different payment."),
                    fields={"idempotency_key": [_("Already used for another amount.")]})
            return existing
    if invoice.status != InvoiceStatus.ACTIVE:
        raise TransitionNotAllowed(
            _("Payments can only be recorded on an issued, unpaid invoice; this invoice is "
              "%(status)s.") % {"status": invoice.get_status_display()},
            allowed=_allowed_invoice_actions(invoice), reason=RefusalReason.WRONG_STATUS,
        )
    if amount <= 0:
        raise BusinessRuleViolation(_("The amount must be greater than zero."),
                                    fields={"amount": [_("Must be greater than zero.")]})
    balance = invoice.balance
    if amount > balance:
        message = _("The amount %(amount)s is more than the balance %(balance)s.") % {
            "amount": format_money(amount, invoice.currency),
            "balance": format_money(balance, invoice.currency)}
        raise BusinessRuleViolation(message, fields={"amount": [message]},
                                    reason=RefusalReason.PAYMENT_ABOVE_BALANCE)
    today = _today()
    paid_on = date or today
    if paid_on > today:
        raise BusinessRuleViolation(_("The payment date cannot be in the future."),
                                    fields={"date": [_("Cannot be in the future.")]})
    payment = Payment.objects.create(
        invoice=invoice, amount=amount, date=paid_on, reference=(reference or "")[:100],
        idempotency_key=idempotency_key or None, recorded_by=actor,
    )
    invoice.amount_paid += amount
    fields = ["amount_paid", "status_reason"]
    record_event(record=invoice, actor=actor, action=EventType.PAYMENT_RECORDED,
                 note=_("Payment of %(amount)s received%(ref)s.") % {
                     "amount": format_money(amount, invoice.currency),
                     "ref": f" ({reference})" if reference else ""},
                 data={"payment": payment.pk, "amount": str(amount), "date": paid_on.isoformat()})
    if invoice.balance == 0:
        invoice.mark_paid(paid_on)
        fields += ["status", "paid_on"]
        record_event(record=invoice, actor=actor, action=EventType.PAID,
                     from_state=InvoiceStatus.ACTIVE,
                     to_state=invoice.status)
    else:
        invoice.status_reason = InvoiceStatusReason.PARTIALLY_PAID
    invoice.save(update_fields=fields)
    return payment


def invoices_record_overdue(*, today: date | None = None, batch: int = 1000) -> int:
    """Write one `overdue` event per invoice that has become overdue (daily beat job).

    Overdue itself is derived live from the due date and balance; this only puts the moment it
    happened on the invoice's timeline, once (an existing event is never written twice, so the
    job is idempotent and safe to re-run).
    """
    from crm.activities.models import Event

    today = today or _today()
    already = Event.objects.filter(record_type="invoice",
                                   action=EventType.OVERDUE).values("record_id")
    pending = list(Invoice.objects.overdue(today).exclude(pk__in=already)
                   .order_by("due_date", "id")[:batch])
    for invoice in pending:
        with transaction.atomic():
            record_event(record=invoice, actor=None, action=EventType.OVERDUE,
                         note=_("Payment of %(balance)s was due on %(due)s.") % {
                             "balance": format_money(invoice.balance, invoice.currency),
                             "due": format_day(invoice.due_date)},
                         data={"balance": str(invoice.balance),
                               "due_date": invoice.due_date.isoformat()})
    return len(pending)
