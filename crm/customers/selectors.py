from typing import Any

from django.db.models import Q, QuerySet

from crm.common.visibility import PUBLIC, get_readable_or_404, scope_readable
from crm.users.models import User

from .models import Account, Contact


def account_list(*, user: User) -> QuerySet[Account]:
    """Accounts every user may read, shaped for list pages and the API."""
    return scope_readable(
        Account.objects.select_related("owner", "parent"), user, visibility=PUBLIC
    )


def account_get(*, user: User, pk: Any) -> Account:
    return get_readable_or_404(
        Account.objects.select_related("owner", "parent", "primary_contact"), user,
        visibility=PUBLIC, pk=pk,
    )


def account_children(*, account: Account) -> QuerySet[Account]:
    return account.children.select_related("owner").order_by("name")[:50]


def contact_list(*, user: User) -> QuerySet[Contact]:
    return scope_readable(
        Contact.objects.select_related("owner", "account"), user, visibility=PUBLIC
    )


def contact_get(*, user: User, pk: Any) -> Contact:
    return get_readable_or_404(
        Contact.objects.select_related("owner", "account"), user, visibility=PUBLIC, pk=pk
    )


def account_contacts(*, account: Account, limit: int = 50) -> QuerySet[Contact]:
    return account.contacts.select_related("owner").order_by("last_name", "first_name")[:limit]


def account_search(user: User, term: str, limit: int = 8) -> QuerySet[Account]:
    return account_list(user=user).filter(
        Q(name__icontains=term) | Q(email__iexact=term)
    ).order_by("name")[:limit]


def contact_search(user: User, term: str, limit: int = 8) -> QuerySet[Contact]:
    parts = term.split()
    q = Q(last_name__icontains=term) | Q(first_name__icontains=term) | Q(email__iexact=term)
    if len(parts) >= 2:
        q |= Q(first_name__icontains=parts[0], last_name__icontains=parts[-1])
    return contact_list(user=user).filter(q).order_by("last_name")[:limit]
