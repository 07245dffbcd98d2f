"""Reads of quotes, already scoped to what the user may see (404 otherwise)."""

from typing import Any

from django.db.models import Q, QuerySet

from crm.common.visibility import get_readable_or_404, scope_readable
from crm.users.models import User

from .models import Quote, QuoteLine


def quote_list(*, user: User) -> QuerySet[Quote]:
    """Quotes `user` may read, shaped for list pages and the API (no N+1 on customer/owner)."""
    return scope_readable(
        Quote.objects.select_related("account", "contact", "owner", "opportunity", "price_list"),
        user,
    )


def quote_get(*, user: User, pk: Any) -> Quote:
    return get_readable_or_404(
        Quote.objects.select_related("account", "contact", "owner", "opportunity", "price_list",
                                     "previous_revision"),
        user, pk=pk,
    )


def quote_lines(*, quote: Quote) -> QuerySet[QuoteLine]:
    return QuoteLine.objects.filter(quote_id=quote.pk).order_by("sort_order", "id")


def quote_revisions(*, quote: Quote, user: User) -> QuerySet[Quote]:
    """Every revision of the quote's number the user may read, newest first."""
    return quote_list(user=user).filter(number=quote.number).order_by("-revision")


def quotes_for_opportunity(*, opportunity: Any, user: User) -> QuerySet[Quote]:
    return quote_list(user=user).filter(opportunity_id=opportunity.pk).order_by(
        "-created_at", "-id")


def quote_search(user: User, term: str, limit: int = 8) -> QuerySet[Quote]:
    q = Q(name__icontains=term) | Q(number__iexact=term.upper())
    return quote_list(user=user).filter(q).order_by("-created_at")[:limit]
