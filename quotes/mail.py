"""Email linking for quotes: `Q-000123` in a subject links the message to that quote."""

import re

from crm.mail.registry import SubjectPattern, register_subject_pattern

from .models import Quote


def _quote_by_number(number: str):
    """The latest revision of the quote with that number."""
    return (Quote.objects.filter(number__iexact=number).order_by("-revision", "-id")
            .values_list("pk", flat=True).first())


register_subject_pattern(SubjectPattern(
    record_type="quote", regex=re.compile(r"\bQ-\d{6}\b", re.IGNORECASE),
    lookup=_quote_by_number, order=20,
))


# --- mail-send: a quote's PDF as an email attachment (crm/mail/sending.py) ----------------------
from django.core.exceptions import ValidationError  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from crm.mail.sending import AttachmentProvider, register_attachment_provider  # noqa: E402

from . import selectors as quote_selectors  # noqa: E402
from .models import QuoteStatus  # noqa: E402
from .pdf import quote_pdf, quote_pdf_filename  # noqa: E402

# Which quotes go with a record the user writes from.
_QUOTES_OF = {"quote": "pk", "opportunity": "opportunity_id", "account": "account_id",
              "contact": "contact_id"}


def _quote_candidates(user, record_type, record):
    field = _QUOTES_OF.get(record_type)
    if field is None:
        return []
    quotes = (quote_selectors.quote_list(user=user).filter(**{field: record.pk})
              .exclude(status=QuoteStatus.DRAFT).order_by("-created_at", "-id")[:10])
    return [(q.pk, _("Quote %(number)s (PDF)") % {"number": q.display_number}) for q in quotes]


def _quote_attachment(user, quote_id):
    quote = quote_selectors.quote_get(user=user, pk=quote_id)  # 404 if not readable
    if quote.status == QuoteStatus.DRAFT:
        raise ValidationError({"attach": [
            _("Quote %(number)s is a draft: activate it to send its PDF.")
            % {"number": quote.display_number}]})
    pdf = quote_pdf(quote, list(quote_selectors.quote_lines(quote=quote)))
    return quote_pdf_filename(quote), "application/pdf", pdf


register_attachment_provider(AttachmentProvider(
    record_type="quote", label=_("Quote PDF"), candidates=_quote_candidates,
    render=_quote_attachment,
))
