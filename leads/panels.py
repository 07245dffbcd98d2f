"""Blocks this app adds to record pages: the lead page's possible duplicates, the account
page's leads. Each loads after the page's first paint (crm/common/panels.py)."""

from collections.abc import Callable

from django.db.models import Q

from crm.common.visibility import can_change

from . import selectors
from .duplicates import RULE_LABELS, duplicates_of

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


def lead_duplicates(request, lead):
    """On a lead page: the leads the user may read that look like this one, each with whether
    it may be merged into this lead; None (no box) when there are none."""
    matches = duplicates_of(lead=lead, user=request.user)
    if not matches:
        return None
    changeable = can_change(request.user, lead)
    return {"lead": lead, "duplicates": [
        {**m, "label": RULE_LABELS[m["rule"]],
         "can_merge": changeable and m["lead"].is_open
         and m["lead"].qualifying_opportunity_id is None
         and can_change(request.user, m["lead"])}
        for m in matches]}
