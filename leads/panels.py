"""Blocks this app adds to other records' detail pages (the account page)."""

from collections.abc import Callable

from django.db.models import Q

from . import selectors

PANEL_LIMIT = 25

# Apps to the right (opportunities) add how else a lead became an account: `f(account) -> Q`
# over Lead. The leads app itself knows only the account a lead was linked or qualified into.
account_lead_links: list[Callable] = []


def register_account_lead_link(link: Callable) -> None:
    if link not in account_lead_links:
        account_lead_links.append(link)


def account_leads(request, account):
    """On an account page: the leads that became this account, that the user may read."""
    condition = Q(existing_account_id=account.pk)
    for link in account_lead_links:
        condition |= link(account)
    leads = list(selectors.lead_list(user=request.user).filter(condition)
                 .order_by("-created_at", "-id")[:PANEL_LIMIT + 1])
    if not leads:
        return None
    return {"account": account, "leads": leads[:PANEL_LIMIT],
            "more": len(leads) > PANEL_LIMIT}
