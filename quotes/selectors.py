"""Reads of quotes, already scoped to what the user may see (404 otherwise)."""

from django.db.models import Q

from crm.common.visibility import get_readable_or_404, scope_readable

from .models import Quote, QuoteLine


def quote_list(*, user):
    """Quotes `user` may read, shaped for list pages and the API (no N+1 on customer/owner)."""
    return scope_readable(
        Quote.objects.select_related("account", "contact", "owner", "opportunity", "price_list"),
        user,
    )


def quote_get(*, user, pk) -> Quote:
    return get_readable_or_404(
        Quote.objects.select_related("account", "contact", "owner", "opportunity", "price_list",
                                     "previous_revision"),
        user, pk=pk,
    )


def quote_lines(*, quote):
    return QuoteLine.objects.filter(quote_id=quote.pk).order_by("sort_order", "id")


def quote_line_get(*, quote, pk) -> QuoteLine:
    return QuoteLine.objects.select_related("quote").get(quote_id=quote.pk, pk=pk)


def quote_revisions(*, quote, user):
    """Every revision of the quote's number the user may read, newest first."""
    return quote_list(user=user).filter(number=quote.number).order_by("-revision")


def quotes_for_opportunity(*, opportunity, user):
    return quote_list(user=user).filter(opportunity_id=opportunity.pk).order_by(
        "-created_at", "-id")


def quote_search(user, term, limit=8):
    q = Q(name__icontains=term) | Q(number__iexact=term.upper())
    return quote_list(user=user).filter(q).order_by("-created_at")[:limit]
