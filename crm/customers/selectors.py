from django.db.models import Count, Q

from crm.common.visibility import PUBLIC, get_readable_or_404, scope_readable

from .models import Account, Contact


def account_list(*, user):
    """Accounts every user may read, shaped for list pages and the API."""
    return scope_readable(
        Account.objects.select_related("owner", "parent"), user, visibility=PUBLIC
    )


def account_get(*, user, pk) -> Account:
    return get_readable_or_404(
        Account.objects.select_related("owner", "parent", "primary_contact"), user,
        visibility=PUBLIC, pk=pk,
    )


def account_children(*, account):
    return account.children.select_related("owner").order_by("name")[:50]


def contact_list(*, user):
    return scope_readable(
        Contact.objects.select_related("owner", "account"), user, visibility=PUBLIC
    )


def contact_get(*, user, pk) -> Contact:
    return get_readable_or_404(
        Contact.objects.select_related("owner", "account"), user, visibility=PUBLIC, pk=pk
    )


def account_contacts(*, account, limit=50):
    return account.contacts.select_related("owner").order_by("last_name", "first_name")[:limit]


def account_search(user, term, limit=8):
    return account_list(user=user).filter(
        Q(name__icontains=term) | Q(email__iexact=term)
    ).order_by("name")[:limit]


def contact_search(user, term, limit=8):
    parts = term.split()
    q = Q(last_name__icontains=term) | Q(first_name__icontains=term) | Q(email__iexact=term)
    if len(parts) >= 2:
        q |= Q(first_name__icontains=parts[0], last_name__icontains=parts[-1])
    return contact_list(user=user).filter(q).order_by("last_name")[:limit]


def account_stats(*, account) -> dict:
    return account.contacts.aggregate(contacts=Count("id"))
