"""Email linking for invoices and orders: `INV-2026-000042` / `ORD-2026-000007` in a subject."""

import re

from crm.mail.registry import SubjectPattern, register_subject_pattern

from .models import Invoice, Order


def _by_number(model):
    def lookup(number: str):
        return (model.objects.filter(number__iexact=number).order_by("-id")
                .values_list("pk", flat=True).first())

    return lookup


register_subject_pattern(SubjectPattern(
    record_type="invoice", regex=re.compile(r"\bINV-\d{4}-\d{6}\b", re.IGNORECASE),
    lookup=_by_number(Invoice), order=10,
))
register_subject_pattern(SubjectPattern(
    record_type="order", regex=re.compile(r"\bORD-\d{4}-\d{6}\b", re.IGNORECASE),
    lookup=_by_number(Order), order=15,
))


# --- mail-send: an invoice's PDF as an email attachment (crm/mail/sending.py) -------------------
from django.utils.translation import gettext as _  # noqa: E402

from crm.mail.sending import AttachmentProvider, register_attachment_provider  # noqa: E402

from . import selectors as invoice_selectors  # noqa: E402
from .models import InvoiceStatus  # noqa: E402
from .pdf import invoice_pdf  # noqa: E402

# Which invoices go with a record the user writes from (the invoice itself, even a draft).
_INVOICES_OF = {"opportunity": "opportunity_id", "account": "account_id",
                "contact": "contact_id", "order": "order_id"}


def _invoice_candidates(user, record_type, record):
    invoices = invoice_selectors.invoice_list(user=user)
    if record_type == "invoice":
        invoices = invoices.filter(pk=record.pk)
    elif record_type in _INVOICES_OF:
        invoices = (invoices.filter(**{_INVOICES_OF[record_type]: record.pk})
                    .exclude(status=InvoiceStatus.DRAFT).order_by("-created_at", "-id")[:10])
    else:
        return []
    return [(i.pk, _("Invoice %(number)s (PDF)") % {"number": i.display_number})
            for i in invoices]


def _invoice_attachment(user, invoice_id):
    invoice = invoice_selectors.invoice_get(user=user, pk=invoice_id)  # 404 if not readable
    pdf = invoice_pdf(invoice, list(invoice_selectors.invoice_lines(invoice=invoice)))
    name = invoice.number or f"invoice-draft-{invoice.pk}"
    return f"{name}.pdf", "application/pdf", pdf


register_attachment_provider(AttachmentProvider(
    record_type="invoice", label=_("Invoice PDF"), candidates=_invoice_candidates,
    render=_invoice_attachment,
))
