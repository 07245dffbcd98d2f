"""Every write to quotes and their lines (PROCESS.md "Quote").

Rules held here, whatever the entry point (form, API, admin, opportunity close):
- only a `draft` quote is edited (lines, header, totals); anything else raises RecordLocked;
- `draft` -> activate -> `active` (needs a customer and at least one line);
- `active` -> close(lost | canceled) -> `closed`;
- `active` | `closed` -> revise -> `closed`/`revised` + a new `draft` (same number, revision + 1,
  lines copied);
- `active` -> mark won -> `won` (called by the order creation in the invoices app).
Each state change locks the row, runs the django-fsm transition and writes an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.catalog import pricing
from crm.catalog.models import PriceList, Product, TaxRate
from crm.catalog.selectors import price_for
from crm.catalog.services import check_line_product
from crm.common.changes import record_deleted, record_updated, snapshot
from crm.common.codes import RefusalReason
from crm.common.deletion import delete_or_refuse
from crm.common.errors import BusinessRuleViolation, RecordLocked, TransitionNotAllowed
from crm.common.money import ZERO, to_decimal
from crm.common.sequences import next_number
from crm.common.services import UNSET, Maybe, given, model_update
from crm.common.visibility import apply_owner_change, check_can_assign_owner, check_can_change
from crm.customers.models import Account, Contact
from crm.users.models import User
from opportunities.models import Opportunity

from .models import (
    OPEN_STATUSES,
    CloseReason,
    Quote,
    QuoteLine,
    QuoteStatus,
    QuoteStatusReason,
    default_valid_until,
)

NUMBER_SERIES = "quote"
NUMBER_FORMAT = "Q-{:06d}"

HEADER_FIELDS = [
    "name", "account", "contact", "price_list", "currency", "valid_until", "payment_terms",
    "description", "discount_percent", "discount_amount", "freight_amount",
    "bill_to_name", "bill_to_street", "bill_to_city", "bill_to_state", "bill_to_postal_code",
    "bill_to_country", "ship_to_name", "ship_to_street", "ship_to_city", "ship_to_state",
    "ship_to_postal_code", "ship_to_country",
]
LINE_FIELDS = ["product_name", "description", "quantity", "unit_price", "manual_discount",
               "tax_rate", "sort_order"]
TOTAL_FIELDS = ["detail_amount", "total_discount", "total_tax", "total"]
ACTIONS = {
    QuoteStatus.DRAFT: ["activate"],
    QuoteStatus.ACTIVE: ["close", "revise", "create_order"],
    QuoteStatus.CLOSED: ["revise"],
    QuoteStatus.WON: [],
}


def allowed_actions(quote: Quote) -> list[str]:
    """The lifecycle actions the quote's state allows (for buttons and 409 bodies)."""
    if quote.status == QuoteStatus.CLOSED and quote.status_reason == QuoteStatusReason.REVISED:
        return []  # already superseded by its next revision
    return list(ACTIONS.get(quote.status, []))


# --- helpers -------------------------------------------------------------------------------

def _lock(quote: Quote) -> Quote:
    # Gone since the caller read it (deleted concurrently): not found, not a server error.
    return get_object_or_404(Quote.objects.select_for_update(), pk=quote.pk)


def _check_draft(quote: Quote) -> None:
    if quote.status != QuoteStatus.DRAFT:
        raise RecordLocked(
            _("Quote %(number)s is %(status)s: only draft quotes can be edited. "
              "Revise it to make changes.") % {
                "number": quote.display_number, "status": quote.get_status_display().lower()},
            status=quote.status, reason=RefusalReason.NOT_EDITABLE,
        )


def quote_check_editable(quote: Quote) -> None:
    """Raise RecordLocked unless the quote is a draft (the one rule every edit path shares)."""
    _check_draft(quote)


def _refuse(quote: Quote, action: str) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        _("Cannot %(action)s quote %(number)s: it is %(status)s.") % {
            "action": action, "number": quote.display_number,
            "status": quote.get_status_display().lower()},
        allowed=allowed_actions(quote), reason=RefusalReason.WRONG_STATUS,
    )


def _pricing_error(exc: pricing.PricingError) -> BusinessRuleViolation:
    field = exc.field or "non_field_errors"
    return BusinessRuleViolation(str(exc), fields={field: [str(exc)]})


def _line_totals(line: QuoteLine) -> pricing.LineTotals:
    try:
        return pricing.line_totals(quantity=line.quantity, unit_price=line.unit_price,
                                   manual_discount=line.manual_discount, tax_rate=line.tax_rate)
    except pricing.PricingError as exc:
        raise _pricing_error(exc)


def _apply_line_totals(line: QuoteLine) -> None:
    totals = _line_totals(line)
    line.amount, line.tax = totals.amount, totals.tax


def _recalculate(quote: Quote, lines: Iterable[QuoteLine] | None = None) -> None:
    """Recompute the stored header totals from the lines (one query unless lines are given)."""
    rows: Iterable[tuple[Decimal, Decimal, Decimal, Decimal]]
    if lines is None:
        rows = quote.lines.values_list("amount", "tax", "manual_discount", "tax_rate")
    else:
        rows = [(ln.amount, ln.tax, ln.manual_discount, ln.tax_rate) for ln in lines]
    line_totals = [
        pricing.LineTotals(base=amount + discount, manual_discount=discount, amount=amount,
                           tax_rate=rate, tax=tax)
        for amount, tax, discount, rate in rows
    ]
    try:
        totals = pricing.document_totals(
            line_totals, discount_percent=quote.discount_percent,
            discount_amount=quote.discount_amount, freight_amount=quote.freight_amount,
        )
    except pricing.PricingError as exc:
        raise _pricing_error(exc)
    quote.detail_amount = totals.detail_amount
    quote.total_discount = totals.total_discount
    quote.total_tax = totals.total_tax
    quote.total = totals.total


def _save_totals(quote: Quote, lines: Iterable[QuoteLine] | None = None) -> None:
    _recalculate(quote, lines)
    quote.save(update_fields=TOTAL_FIELDS)


def _default_tax_rate(product: Product | None) -> Decimal:
    default_rate = product.default_tax_rate if product is not None else None
    if default_rate is not None:
        return default_rate.rate
    default = TaxRate.objects.filter(is_default=True, active=True).values_list(
        "rate", flat=True).first()
    return default if default is not None else ZERO


def _copy_addresses(quote: Quote) -> None:
    account = quote.account
    if account is not None:
        quote.bill_to_name = account.name
        quote.bill_to_street, quote.bill_to_city = account.street, account.city
        quote.bill_to_state, quote.bill_to_postal_code = account.state, account.postal_code
        quote.bill_to_country = account.country
        has_shipping = any([account.ship_street, account.ship_city, account.ship_country])
        quote.ship_to_name = account.name
        if has_shipping:
            quote.ship_to_street, quote.ship_to_city = account.ship_street, account.ship_city
            quote.ship_to_state = account.ship_state
            quote.ship_to_postal_code = account.ship_postal_code
            quote.ship_to_country = account.ship_country
        else:
            quote.ship_to_street, quote.ship_to_city = account.street, account.city
            quote.ship_to_state, quote.ship_to_postal_code = account.state, account.postal_code
            quote.ship_to_country = account.country
    elif quote.contact is not None:
        contact = quote.contact
        for prefix in ("bill_to", "ship_to"):
            setattr(quote, f"{prefix}_name", contact.full_name)
            for part in ("street", "city", "state", "postal_code", "country"):
                setattr(quote, f"{prefix}_{part}", getattr(contact, part))


def _validate_header(quote: Quote) -> None:
    errors = {}
    contact, price_list = quote.contact, quote.price_list
    if contact is not None and quote.account_id and contact.account_id not in (
            None, quote.account_id):
        errors["contact"] = [_("This contact belongs to another account.")]
    if price_list is not None and price_list.currency != quote.currency:
        errors["currency"] = [_("The currency must be the price list's (%(c)s).") % {
            "c": price_list.currency}]
    if errors:
        raise ValidationError(errors)


def _attname(field: str) -> str:
    return f"{field}_id" if field in ("account", "contact", "price_list") else field


def _new_number() -> str:
    return NUMBER_FORMAT.format(next_number(NUMBER_SERIES))


def _next_sort_order(quote: Quote) -> int:
    current = quote.lines.aggregate(m=Max("sort_order"))["m"]
    return 0 if current is None else current + 1


# --- create and edit -------------------------------------------------------------------------

@transaction.atomic
def quote_create(
        *, actor: User, owner: User | None = None, name: str, account: Account | None = None,
        contact: Contact | None = None, price_list: PriceList | None = None,
        opportunity: Opportunity | None = None,
        currency: Maybe[str] = UNSET, valid_until: Maybe[date | None] = UNSET,
        payment_terms: Maybe[str] = UNSET, description: Maybe[str] = UNSET,
        discount_percent: Maybe[Decimal] = UNSET, discount_amount: Maybe[Decimal] = UNSET,
        freight_amount: Maybe[Decimal] = UNSET, bill_to_name: Maybe[str] = UNSET,
        bill_to_street: Maybe[str] = UNSET, bill_to_city: Maybe[str] = UNSET,
        bill_to_state: Maybe[str] = UNSET, bill_to_postal_code: Maybe[str] = UNSET,
        bill_to_country: Maybe[str] = UNSET, ship_to_name: Maybe[str] = UNSET,
        ship_to_street: Maybe[str] = UNSET, ship_to_city: Maybe[str] = UNSET,
        ship_to_state: Maybe[str] = UNSET, ship_to_postal_code: Maybe[str] = UNSET,
        ship_to_country: Maybe[str] = UNSET,
) -> Quote:
    """Create a draft quote (revision 0) with a new number from the "quote" series.

    The bill-to/ship-to addresses are copied from the account (or the contact) unless given.
    Without a price list the default one for the currency is used.
    """
    data = given(
        currency=currency, valid_until=valid_until, payment_terms=payment_terms,
        description=description, discount_percent=discount_percent,
        discount_amount=discount_amount, freight_amount=freight_amount,
        bill_to_name=bill_to_name, bill_to_street=bill_to_street, bill_to_city=bill_to_city,
        bill_to_state=bill_to_state, bill_to_postal_code=bill_to_postal_code,
        bill_to_country=bill_to_country, ship_to_name=ship_to_name,
        ship_to_street=ship_to_street, ship_to_city=ship_to_city, ship_to_state=ship_to_state,
        ship_to_postal_code=ship_to_postal_code, ship_to_country=ship_to_country)
    owner = owner or actor
    check_can_assign_owner(actor, owner)
    if price_list is None:
        from crm.catalog.selectors import default_price_list

        candidate = default_price_list(data.get("currency"))
        if candidate is not None and data.get("currency") in (None, "", candidate.currency):
            price_list = candidate
    quote = Quote(owner=owner, name=name, account=account, contact=contact,
                  price_list=price_list, opportunity=opportunity)
    if price_list is not None:
        quote.currency = price_list.currency
    if account is None and contact is not None and contact.account_id:
        quote.account = contact.account
    _copy_addresses(quote)
    for field, value in data.items():
        if field in HEADER_FIELDS:
            setattr(quote, field, value)
    _validate_header(quote)
    _recalculate(quote, lines=[])
    quote.number = _new_number()
    quote.full_clean(exclude=["number", "owner", "status"])
    quote.save()
    record_event(record=quote, actor=actor, action=EventType.CREATED, to_state=quote.status,
                 note=_("Quote %(number)s created.") % {"number": quote.number})
    return quote


@transaction.atomic
def quote_create_from_opportunity(
        *, opportunity: Opportunity, actor: User, owner: User | None = None,
        name: str | None = None,
        currency: Maybe[str] = UNSET, valid_until: Maybe[date | None] = UNSET,
        payment_terms: Maybe[str] = UNSET, description: Maybe[str] = UNSET,
        discount_percent: Maybe[Decimal] = UNSET, discount_amount: Maybe[Decimal] = UNSET,
        freight_amount: Maybe[Decimal] = UNSET, bill_to_name: Maybe[str] = UNSET,
        bill_to_street: Maybe[str] = UNSET, bill_to_city: Maybe[str] = UNSET,
        bill_to_state: Maybe[str] = UNSET, bill_to_postal_code: Maybe[str] = UNSET,
        bill_to_country: Maybe[str] = UNSET, ship_to_name: Maybe[str] = UNSET,
        ship_to_street: Maybe[str] = UNSET, ship_to_city: Maybe[str] = UNSET,
        ship_to_state: Maybe[str] = UNSET, ship_to_postal_code: Maybe[str] = UNSET,
        ship_to_country: Maybe[str] = UNSET,
) -> Quote:
    """A draft quote for an open opportunity: its customer, price list, currency and every
    line (catalog and write-in) are copied. Refused for a won or lost opportunity."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    check_can_change(actor, opportunity)
    if not opportunity.is_open:
        raise TransitionNotAllowed(
            _("Opportunity “%(name)s” is %(status)s: reopen it to quote.") % {
                "name": opportunity.name, "status": opportunity.get_status_display().lower()},
            reason=RefusalReason.OPPORTUNITY_CLOSED,
        )
    data = given(
        currency=currency, valid_until=valid_until, payment_terms=payment_terms,
        description=description, discount_percent=discount_percent,
        discount_amount=discount_amount, freight_amount=freight_amount,
        bill_to_name=bill_to_name, bill_to_street=bill_to_street, bill_to_city=bill_to_city,
        bill_to_state=bill_to_state, bill_to_postal_code=bill_to_postal_code,
        bill_to_country=bill_to_country, ship_to_name=ship_to_name,
        ship_to_street=ship_to_street, ship_to_city=ship_to_city, ship_to_state=ship_to_state,
        ship_to_postal_code=ship_to_postal_code, ship_to_country=ship_to_country)
    if opportunity.price_list_id is None:  # otherwise the price list's currency applies
        data.setdefault("currency", opportunity.currency)
    quote = quote_create(
        actor=actor, owner=owner, name=name or opportunity.name,
        account=opportunity.account, contact=opportunity.contact,
        price_list=opportunity.price_list, opportunity=opportunity, **data,
    )
    _copy_opportunity_lines(quote, opportunity)
    return quote


def _copy_opportunity_lines(quote: Quote, opportunity: Opportunity) -> list[QuoteLine]:
    start = _next_sort_order(quote)
    lines = []
    for offset, source in enumerate(
            opportunity.lines.select_related("product").order_by("sort_order", "id")):
        product = source.product
        line = QuoteLine(
            quote=quote, product=product,
            product_name=product.name if product else source.write_in_name,
            sku=product.sku if product else "", unit=product.unit if product else "",
            description=source.description, quantity=source.quantity,
            unit_price=source.unit_price, manual_discount=source.manual_discount,
            tax_rate=source.tax_rate, sort_order=start + offset,
        )
        _apply_line_totals(line)
        lines.append(line)
    QuoteLine.objects.bulk_create(lines)
    _save_totals(quote)
    return lines


@transaction.atomic
def quote_get_products(*, quote: Quote, actor: User) -> list[QuoteLine]:
    """Append the opportunity's current lines to a draft quote ("Get products")."""
    quote = _lock(quote)
    check_can_change(actor, quote)
    _check_draft(quote)
    opportunity = quote.opportunity
    if opportunity is None:
        raise BusinessRuleViolation(_("This quote has no opportunity to take products from."),
                                    reason=RefusalReason.QUOTE_WITHOUT_OPPORTUNITY)
    lines = _copy_opportunity_lines(quote, opportunity)
    record_event(record=quote, actor=actor, action=EventType.PRODUCTS_ADDED,
                 note=_("%(n)d line(s) taken from the opportunity.") % {"n": len(lines)})
    return lines


@transaction.atomic
def quote_update(
        *, quote: Quote, actor: User, owner: Maybe[User | None] = UNSET, name: Maybe[str] = UNSET,
        account: Maybe[Account | None] = UNSET, contact: Maybe[Contact | None] = UNSET,
        price_list: Maybe[PriceList | None] = UNSET,
        currency: Maybe[str] = UNSET, valid_until: Maybe[date | None] = UNSET,
        payment_terms: Maybe[str] = UNSET, description: Maybe[str] = UNSET,
        discount_percent: Maybe[Decimal] = UNSET, discount_amount: Maybe[Decimal] = UNSET,
        freight_amount: Maybe[Decimal] = UNSET, bill_to_name: Maybe[str] = UNSET,
        bill_to_street: Maybe[str] = UNSET, bill_to_city: Maybe[str] = UNSET,
        bill_to_state: Maybe[str] = UNSET, bill_to_postal_code: Maybe[str] = UNSET,
        bill_to_country: Maybe[str] = UNSET, ship_to_name: Maybe[str] = UNSET,
        ship_to_street: Maybe[str] = UNSET, ship_to_city: Maybe[str] = UNSET,
        ship_to_state: Maybe[str] = UNSET, ship_to_postal_code: Maybe[str] = UNSET,
        ship_to_country: Maybe[str] = UNSET,
) -> Quote:
    """Change a draft's header (customer, dates, terms, discounts, freight, addresses, owner).

    Refused (RecordLocked) unless the quote is a draft. Totals are recomputed.
    """
    quote = _lock(quote)
    check_can_change(actor, quote)
    _check_draft(quote)
    data = given(
        name=name, account=account, contact=contact, price_list=price_list,
        currency=currency, valid_until=valid_until, payment_terms=payment_terms,
        description=description, discount_percent=discount_percent,
        discount_amount=discount_amount, freight_amount=freight_amount,
        bill_to_name=bill_to_name, bill_to_street=bill_to_street, bill_to_city=bill_to_city,
        bill_to_state=bill_to_state, bill_to_postal_code=bill_to_postal_code,
        bill_to_country=bill_to_country, ship_to_name=ship_to_name,
        ship_to_street=ship_to_street, ship_to_city=ship_to_city, ship_to_state=ship_to_state,
        ship_to_postal_code=ship_to_postal_code, ship_to_country=ship_to_country)
    before = snapshot(quote)
    addresses = [f for f in HEADER_FIELDS if f.startswith(("bill_to", "ship_to"))]

    def check(quote: Quote, changed: list[str]) -> list[str]:
        more = []
        if "price_list" in changed and quote.price_list is not None:
            if quote.currency != quote.price_list.currency and quote.lines.exists():
                raise ValidationError({"price_list": [
                    _("The quote has lines in %(c)s: choose a price list in that currency.") % {
                        "c": quote.currency}]})
            quote.currency = quote.price_list.currency
            more.append("currency")
        if "account" in changed and not any(f in data for f in addresses):
            _copy_addresses(quote)
            more += addresses
        _validate_header(quote)
        _recalculate(quote)
        quote.full_clean(exclude=["number", "owner", "status"])
        return more + TOTAL_FIELDS

    reassigned = apply_owner_change(quote, actor, None if owner is UNSET else owner)
    quote, updated = model_update(instance=quote, fields=HEADER_FIELDS, data=data,
                                  changed=["owner"] if reassigned else [], validate=check)
    if updated:
        record_updated(record=quote, actor=actor, before=before)
    return quote


@transaction.atomic
def quote_delete(*, quote: Quote, actor: User) -> None:
    """Delete a draft (never an activated quote: it may have been sent)."""
    quote = _lock(quote)
    check_can_change(actor, quote)
    _check_draft(quote)
    record_deleted(record=quote, actor=actor)
    delete_or_refuse(quote)


# --- lines -----------------------------------------------------------------------------------

@transaction.atomic
def quote_add_line(
        *, quote: Quote, actor: User, product: Product | None = None, write_in_name: str = "",
        quantity: Decimal | int | str = 1, unit_price: Decimal | str | None = None,
        manual_discount: Decimal | None = ZERO, tax_rate: Decimal | str | None = None,
        description: str = "", sort_order: int | None = None,
) -> QuoteLine:
    """Add a priced line to a draft: a catalog product (snapshot of its name, SKU, unit, price
    on the quote's price list and default tax rate) or a write-in name with a price.

    Refused (RecordLocked) unless draft; 400 when a product is not on the price list and no
    price is given, or the numbers do not price (negative, discount above the line).
    """
    quote = _lock(quote)
    check_can_change(actor, quote)
    _check_draft(quote)
    write_in_name = check_line_product(product=product, write_in_name=write_in_name)
    if unit_price in (None, ""):
        unit_price = price_for(price_list=quote.price_list, product=product)
        if unit_price is None:
            message = (_("“%(p)s” is not on the price list %(l)s: enter a unit price.") % {
                "p": product.name, "l": quote.price_list} if product else
                _("Enter a unit price for a write-in product."))
            raise BusinessRuleViolation(message, fields={"unit_price": [message]},
                                        reason=RefusalReason.PRICE_NOT_LISTED)
    if tax_rate in (None, ""):
        tax_rate = _default_tax_rate(product)
    line = QuoteLine(
        quote=quote, product=product,
        product_name=product.name if product else write_in_name,
        sku=product.sku if product else "", unit=product.unit if product else "",
        description=description or "", quantity=to_decimal(quantity),
        unit_price=to_decimal(unit_price), manual_discount=to_decimal(manual_discount or ZERO),
        tax_rate=to_decimal(tax_rate),
        sort_order=_next_sort_order(quote) if sort_order is None else sort_order,
    )
    _apply_line_totals(line)
    line.full_clean(exclude=["quote", "product"])
    line.save()
    _save_totals(quote)
    return line


def _lock_line(line: QuoteLine) -> tuple[Quote, QuoteLine]:
    quote = Quote.objects.select_for_update().get(pk=line.quote_id)
    line = QuoteLine.objects.select_for_update().get(pk=line.pk)
    return quote, line


@transaction.atomic
def quote_update_line(
        *, line: QuoteLine, actor: User, write_in_name: Maybe[str | None] = UNSET,
        product_name: Maybe[str | None] = UNSET, description: Maybe[str | None] = UNSET,
        quantity: Maybe[Decimal | None] = UNSET, unit_price: Maybe[Decimal | None] = UNSET,
        manual_discount: Maybe[Decimal | None] = UNSET, tax_rate: Maybe[Decimal | None] = UNSET,
        sort_order: Maybe[int | None] = UNSET,
) -> QuoteLine:
    """Change a draft line's quantity, price, discount, tax rate, name (write-ins) or position
    (None keeps a value)."""
    data = given(write_in_name=write_in_name, product_name=product_name,
                 description=description, quantity=quantity, unit_price=unit_price,
                 manual_discount=manual_discount, tax_rate=tax_rate, sort_order=sort_order)
    quote, line = _lock_line(line)
    check_can_change(actor, quote)
    _check_draft(quote)
    if "write_in_name" in data:
        data.setdefault("product_name", data.pop("write_in_name"))
    if "product_name" in data and line.product_id is not None:
        data.pop("product_name")  # a catalog line keeps its snapshot name
    changed = []
    for field, value in data.items():
        if field not in LINE_FIELDS or value is None:
            continue
        if field in ("quantity", "unit_price", "manual_discount", "tax_rate"):
            value = to_decimal(value)
        if getattr(line, field) != value:
            setattr(line, field, value)
            changed.append(field)
    if not changed:
        return line
    if not line.product_name.strip():
        raise BusinessRuleViolation(_("A line needs a name."),
                                    fields={"write_in_name": [_("This field is required.")]})
    _apply_line_totals(line)
    line.full_clean(exclude=["quote", "product"])
    line.save(update_fields=[*changed, "amount", "tax"])
    _save_totals(quote)
    return line


@transaction.atomic
def quote_remove_line(*, line: QuoteLine, actor: User) -> None:
    quote, line = _lock_line(line)
    check_can_change(actor, quote)
    _check_draft(quote)
    line.delete()
    _save_totals(quote)


# --- lifecycle ---------------------------------------------------------------------------------

@transaction.atomic
def quote_activate(*, quote: Quote, actor: User) -> Quote:
    """Draft -> active: the quote becomes read-only, as sent to the customer.

    Refused when it is not a draft, has no customer or no line (the 409 lists what is missing).
    """
    quote = _lock(quote)
    check_can_change(actor, quote)
    if quote.status != QuoteStatus.DRAFT:
        raise _refuse(quote, _("activate"))
    missing = []
    if not quote.account_id and not quote.contact_id:
        missing.append("customer")
    if not quote.lines.exists():
        missing.append("lines")
    if missing:
        labels = {"customer": _("a customer (account or contact)"), "lines": _("at least one line")}
        raise TransitionNotAllowed(
            _("Cannot activate quote %(number)s: it needs %(what)s.") % {
                "number": quote.display_number,
                "what": _(" and ").join(str(labels[m]) for m in missing)},
            allowed=allowed_actions(quote), missing=missing,
            reason=RefusalReason.QUOTE_INCOMPLETE,
        )
    before = quote.status
    quote.activate()
    quote.save(update_fields=["status", "status_reason", "activated_at"])
    record_event(record=quote, actor=actor, action=EventType.ACTIVATED, from_state=before,
                 to_state=quote.status)
    return quote


@transaction.atomic
def quote_close(*, quote: Quote, actor: User, reason: str, note: str = "") -> Quote:
    """Active -> closed with reason `lost` or `canceled`."""
    if reason not in CloseReason.values:
        raise BusinessRuleViolation(
            _("Choose a reason: lost or canceled."),
            fields={"reason": [_("“%(r)s” is not a valid reason.") % {"r": reason}]},
        )
    quote = _lock(quote)
    check_can_change(actor, quote)
    if quote.status != QuoteStatus.ACTIVE:
        raise _refuse(quote, _("close"))
    before = quote.status
    quote.close(reason)
    quote.save(update_fields=["status", "status_reason", "closed_at"])
    record_event(record=quote, actor=actor, action=EventType.CLOSED, from_state=before,
                 to_state=f"{quote.status}:{reason}", note=note)
    return quote


@transaction.atomic
def quote_revise(*, quote: Quote, actor: User) -> Quote:
    """Active or closed (lost/canceled) -> closed as revised, and return the next revision: a
    draft with the same number, revision + 1, the same header and a copy of every line."""
    quote = _lock(quote)
    check_can_change(actor, quote)
    if "revise" not in allowed_actions(quote):
        raise _refuse(quote, _("revise"))
    opportunity = quote.opportunity
    if opportunity is not None:
        if not opportunity.is_open:
            raise TransitionNotAllowed(
                _("The opportunity “%(name)s” is closed: reopen it before revising.") % {
                    "name": opportunity.name}, allowed=[],
                reason=RefusalReason.OPPORTUNITY_CLOSED)
    before = quote.status
    quote.close_as_revised()
    quote.save(update_fields=["status", "status_reason", "closed_at"])
    record_event(record=quote, actor=actor, action=EventType.REVISED, from_state=before,
                 to_state=f"{quote.status}:{quote.status_reason}")

    new = Quote(
        number=quote.number, revision=quote.revision + 1, previous_revision=quote,
        opportunity_id=quote.opportunity_id, owner_id=quote.owner_id,
        **{_attname(field): getattr(quote, _attname(field)) for field in HEADER_FIELDS},
    )
    if new.valid_until and new.valid_until < timezone.localdate():
        new.valid_until = default_valid_until()  # a new offer gets a fresh validity
    new.save()
    QuoteLine.objects.bulk_create([
        QuoteLine(quote=new, product_id=line.product_id, product_name=line.product_name,
                  sku=line.sku, unit=line.unit, description=line.description,
                  quantity=line.quantity, unit_price=line.unit_price,
                  manual_discount=line.manual_discount, tax_rate=line.tax_rate,
                  amount=line.amount, tax=line.tax, sort_order=line.sort_order)
        for line in quote.lines.all()
    ])
    _save_totals(new)
    record_event(record=new, actor=actor, action=EventType.CREATED, to_state=new.status,
                 note=_("Revision %(rev)d of %(number)s.") % {
                     "rev": new.revision, "number": new.number})
    return new


@transaction.atomic
def quote_mark_won(*, quote: Quote, actor: User) -> Quote:
    """Active -> won. Called by the invoices app when it creates the order from this quote
    (inside its own transaction); the order itself is not built here."""
    quote = _lock(quote)
    check_can_change(actor, quote)
    if quote.status != QuoteStatus.ACTIVE:
        raise _refuse(quote, _("win"))
    before = quote.status
    quote.win()
    quote.save(update_fields=["status", "status_reason", "closed_at"])
    record_event(record=quote, actor=actor, action=EventType.WON, from_state=before,
                 to_state=quote.status)
    return quote


# --- opportunity close guard -------------------------------------------------------------------

def quote_close_guard(*, opportunity: Opportunity, actor: User, outcome: str,
                      close_quotes: bool, winning_quote: Quote | None = None) -> None:
    """Registered in opportunities.hooks.close_guards (called inside win/lose, row locked).

    Open (draft or active) quotes block closing the opportunity unless `close_quotes`: then
    they are closed as `lost` when the opportunity is lost, `canceled` when it is won (except
    the winning quote, which the order creation marks won).
    """
    query = Quote.objects.select_for_update().filter(
        opportunity_id=opportunity.pk, status__in=OPEN_STATUSES).order_by("number", "revision")
    if winning_quote is not None:
        query = query.exclude(pk=winning_quote.pk)
    open_quotes = list(query)
    if not open_quotes:
        return
    numbers = [q.display_number for q in open_quotes]
    if not close_quotes:
        raise TransitionNotAllowed(
            _("This opportunity has open quotes (%(numbers)s): close them first, or confirm "
              "closing them together with the opportunity.") % {"numbers": ", ".join(numbers)},
            allowed=["close_quotes"], open_quotes=numbers, reason=RefusalReason.OPEN_QUOTES,
        )
    reason = QuoteStatusReason.LOST if outcome == "lost" else QuoteStatusReason.CANCELED
    for quote in open_quotes:
        before = quote.status
        if quote.status == QuoteStatus.DRAFT:
            quote.withdraw(reason)
        else:
            quote.close(reason)
        quote.save(update_fields=["status", "status_reason", "closed_at"])
        record_event(record=quote, actor=actor, action=EventType.CLOSED, from_state=before,
                     to_state=f"{quote.status}:{reason}",
                     note=_("Closed with its opportunity (%(outcome)s).") % {"outcome": outcome})
