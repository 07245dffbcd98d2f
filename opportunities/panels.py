"""Blocks this app adds to other records' detail pages (the account page)."""

from django.db.models import Count, Q, Sum

from . import selectors
from .models import Opportunity, Status

PANEL_LIMIT = 25  # per group (open / closed); the totals always cover every opportunity


def account_opportunities(request, account):
    """On an account page: its open and closed opportunities the user may read, with totals
    of estimated (open) and actual (won) revenue per currency. Three queries."""
    readable = selectors.opportunity_list(user=request.user).filter(account_id=account.pk)
    rows = readable.order_by().values("currency").annotate(
        open_count=Count("id", filter=Q(status=Status.OPEN)),
        open_estimated=Sum("estimated_revenue", filter=Q(status=Status.OPEN)),
        won_count=Count("id", filter=Q(status=Status.WON)),
        won_actual=Sum("actual_revenue", filter=Q(status=Status.WON)),
        lost_count=Count("id", filter=Q(status=Status.LOST)),
    ).order_by("currency")
    totals = list(rows)
    if not totals:
        return None
    open_ = list(readable.filter(status=Status.OPEN)
                 .order_by("estimated_close_date", "-id")[:PANEL_LIMIT])
    closed = list(readable.exclude(status=Status.OPEN)
                  .order_by("-actual_close_date", "-id")[:PANEL_LIMIT])
    counts = {key: sum(row[key] for row in totals)
              for key in ("open_count", "won_count", "lost_count")}
    return {"account": account, "open_opportunities": open_, "closed_opportunities": closed,
            "totals": totals, "counts": counts, "limit": PANEL_LIMIT}


def account_lead_links(account) -> Q:
    """For the leads app's account panel: leads that became opportunities of this account
    (their originating lead, or the lead whose qualification created the opportunity)."""
    of_account = Opportunity.objects.filter(account_id=account.pk)
    return (Q(pk__in=of_account.filter(originating_lead__isnull=False)
              .values("originating_lead_id"))
            | Q(qualifying_opportunity_id__in=of_account.values("pk")))
