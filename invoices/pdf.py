"""Invoice and order confirmation PDFs (WeasyPrint via crm.common.pdf, no network access)."""

from django.conf import settings
from django.utils.translation import gettext as _

from crm.common.formatting import format_day, format_money
from crm.common.pdf import render_pdf

from .models import Invoice, InvoiceStatus, Order


def _customer(document) -> dict:
    contact = document.contact.full_name if document.contact_id else ""
    return {"customer_name": document.customer_name, "contact_name": contact,
            "bill_to_lines": document.bill_to_lines or (
                document.account.address_lines if document.account_id else []),
            "ship_to_lines": document.ship_to_lines or (
                document.account.shipping_address_lines if document.account_id else [])}


def _totals(document) -> list[tuple]:
    rows = [(_("Detail amount"), document.detail_amount, False)]
    if document.total_discount:
        rows.append((_("Discount"), -document.total_discount, False))
        rows.append((_("Pre-freight amount"), document.pre_freight_amount, False))
    if document.freight_amount:
        rows.append((_("Freight"), document.freight_amount, False))
    rows.append((_("Tax"), document.total_tax, False))
    rows.append((_("Total"), document.total, True))
    return rows


def invoice_pdf(invoice: Invoice, lines) -> bytes:
    meta = [(_("Order"), invoice.order.number)]
    if invoice.issue_date:
        meta.insert(0, (_("Invoice date"), format_day(invoice.issue_date)))
        meta.insert(1, (_("Due date"), format_day(invoice.due_date)))
    meta.append((_("Payment terms"), invoice.payment_terms_label))
    meta.append((_("Currency"), invoice.currency))
    totals = _totals(invoice)
    if invoice.amount_paid:
        totals.append((_("Paid"), -invoice.amount_paid, False))
        totals.append((_("Balance due"), invoice.balance, True))
    notes = [_("Please pay %(total)s by %(due)s, quoting %(number)s.") % {
        "total": format_money(invoice.balance, invoice.currency),
        "due": format_day(invoice.due_date),
        "number": invoice.number or _("the invoice number")}]
    if invoice.status == InvoiceStatus.PAID:
        notes = [_("Paid in full on %(date)s. Thank you.") % {"date": format_day(invoice.paid_on)}]
    if invoice.status == InvoiceStatus.CANCELED:
        notes = [_("This invoice was canceled and is not payable.")]
    return render_pdf("invoices/invoice_pdf.html", {
        "company_name": getattr(settings, "CRM_COMPANY_NAME", "CRM"),
        "doc_title": _("Invoice"),
        "doc_number": invoice.number or _("DRAFT"),
        "doc_meta": meta,
        **_customer(invoice),
        "currency": invoice.currency,
        "lines": lines,
        "totals": totals,
        "notes": "\n".join(notes),
        "watermark": {InvoiceStatus.DRAFT: _("DRAFT"), InvoiceStatus.CANCELED: _("CANCELED"),
                      InvoiceStatus.PAID: _("PAID")}.get(invoice.status, ""),
    })


def order_confirmation_pdf(order: Order, lines) -> bytes:
    meta = [(_("Order date"), format_day(order.ordered_on))]
    if order.quote_id:
        meta.append((_("Your quote"), order.quote.display_number))
    if order.requested_delivery_date:
        meta.append((_("Requested delivery"), format_day(order.requested_delivery_date)))
    meta.append((_("Payment terms"), order.payment_terms_label))
    meta.append((_("Currency"), order.currency))
    return render_pdf("invoices/order_pdf.html", {
        "company_name": getattr(settings, "CRM_COMPANY_NAME", "CRM"),
        "doc_title": _("Order confirmation"),
        "doc_number": order.number,
        "doc_meta": meta,
        **_customer(order),
        "currency": order.currency,
        "lines": lines,
        "totals": _totals(order),
        "notes": _("Thank you for your order. Prices are those of the accepted quote and are "
                   "fixed for this order."),
        "watermark": _("CANCELED") if order.status == "canceled" else "",
    })
