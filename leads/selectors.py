"""Scoped reads of leads: every list and lookup starts here."""

from typing import Any

from django.db.models import Q, QuerySet

from crm.common.visibility import get_readable_or_404, scope_readable
from crm.users.models import User

from .keys import name_key
from .models import Lead, LeadImport

LIST_RELATED = ("owner",)


def lead_list(*, user: User) -> QuerySet[Lead]:
    """Leads `user` may read, shaped for list pages and the API."""
    return scope_readable(Lead.objects.select_related(*LIST_RELATED), user)


def lead_get(*, user: User, pk: Any) -> Lead:
    return get_readable_or_404(
        Lead.objects.select_related("owner", "existing_account", "existing_contact",
                                    "merged_into", "import_job"),
        user, pk=pk,
    )


def search_filter(term: str) -> Q:
    """Free text on name and company (the stored lowercase keys, trigram GIN-indexed on
    PostgreSQL so `LIKE '%x%'` stays fast at a million leads) or an exact email address."""
    term = term.strip()
    if "@" in term:
        return Q(email_key=term.lower())
    normalised = name_key("", term)
    if not normalised:
        return Q(pk__in=[])
    return Q(name_key__contains=normalised) | Q(company_key__contains=normalised)


def lead_search(user: User, term: str, limit: int = 8) -> QuerySet[Lead]:
    """Global search provider."""
    return lead_list(user=user).filter(search_filter(term)).order_by("-created_at", "-id")[:limit]


def lead_import_list(*, user: User, limit: int = 10) -> QuerySet[LeadImport]:
    return LeadImport.objects.filter(owner=user).order_by("-created_at", "-id")[:limit]


def lead_import_get(*, user: User, pk: Any) -> LeadImport:
    """An import job: only its owner (and admins) see it."""
    from django.http import Http404

    from crm.common.visibility import is_admin

    qs = LeadImport.objects.all() if is_admin(user) else LeadImport.objects.filter(owner=user)
    try:
        return qs.get(pk=pk)
    except LeadImport.DoesNotExist:
        raise Http404("No such import.")
