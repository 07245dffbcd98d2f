"""The printable quote: context for templates/quotes/quote_pdf.html (extends pdf/base.html)."""

from django.utils.translation import gettext as _

from crm.common.formatting import format_day
from crm.common.pdf import render_pdf

from .models import Quote, QuoteStatus


def quote_pdf_context(quote: Quote, lines) -> dict:
    meta = [(_("Date"), format_day(quote.activated_at or quote.created_at))]
    if quote.valid_until:
        meta.append((_("Valid until"), format_day(quote.valid_until)))
    meta.append((_("Payment terms"), quote.get_payment_terms_display()))
    meta.append((_("Prepared by"), quote.owner.get_full_name() or quote.owner.username))
    if quote.status != QuoteStatus.ACTIVE:
        meta.append((_("Status"), f"{quote.get_status_display()} "
                                  f"({quote.get_status_reason_display().lower()})"))
    totals = [(_("Subtotal"), quote.detail_amount, False)]
    if quote.total_discount:
        label = _("Discount")
        if quote.discount_percent:
            label = _("Discount (%(p)s%%)") % {"p": quote.discount_percent.normalize()}
        totals.append((label, -quote.total_discount, False))
        totals.append((_("Net amount"), quote.detail_amount - quote.total_discount, False))
    if quote.freight_amount:
        totals.append((_("Freight"), quote.freight_amount, False))
    totals.append((_("Tax"), quote.total_tax, False))
    totals.append((_("Total"), quote.total, True))
    notes = []
    if quote.valid_until:
        notes.append(_("This quote is valid until %(d)s.") % {
            "d": format_day(quote.valid_until)})
    notes.append(_("Payment terms: %(t)s.") % {"t": quote.get_payment_terms_display()})
    if quote.description:
        notes.append(quote.description)
    return {
        "doc_title": _("Quote"),
        "doc_number": quote.display_number,
        "doc_meta": meta,
        "customer_name": quote.customer_name,
        "contact_name": quote.contact.full_name if quote.contact_id and quote.account_id else "",
        # the customer's address: the quote's own, else the account's
        "bill_to_lines": quote.bill_to_lines or (
            quote.account.address_lines if quote.account_id else []),
        "ship_to_lines": quote.ship_to_lines or (
            quote.account.shipping_address_lines if quote.account_id else []),
        "currency": quote.currency,
        "lines": lines,
        "totals": totals,
        "notes": "\n".join(notes),
        "quote": quote,
    }


def quote_pdf(quote: Quote, lines=None) -> bytes:
    if lines is None:
        lines = list(quote.lines.all())
    return render_pdf("quotes/quote_pdf.html", quote_pdf_context(quote, lines))


def quote_pdf_filename(quote: Quote) -> str:
    suffix = f"-rev{quote.revision}" if quote.revision else ""
    return f"{quote.number}{suffix}.pdf"
