"""Blocks the quotes app adds to other records' detail pages (opportunity, account)."""

from crm.common.visibility import can_change

from . import selectors


def opportunity_quotes_panel(request, opportunity):
    quotes = list(selectors.quotes_for_opportunity(opportunity=opportunity,
                                                   user=request.user)[:20])
    return {"quotes": quotes, "opportunity": opportunity,
            "can_quote": opportunity.is_open and can_change(request.user, opportunity)}


def account_quotes_panel(request, account):
    quotes = list(selectors.quote_list(user=request.user).filter(account_id=account.pk)
                  .order_by("-created_at", "-id")[:10])
    if not quotes:
        return None
    return {"quotes": quotes, "account": account}
