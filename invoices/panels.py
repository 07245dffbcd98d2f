"""Blocks this app adds to other records' detail pages (quote, opportunity, account)."""

from . import selectors


def quote_create_order(request, quote):
    """On a quote page: the orders made from it. (The "Create order" button itself is in the
    quote page's actions and leads to this app's `quote-create-order` confirmation page.)"""
    orders = list(selectors.related_orders(user=request.user, quote_id=quote.pk)
                  .prefetch_related("invoices"))
    if not orders:
        return None
    return {"quote": quote, "orders": orders}


def related_documents(request, obj):
    """Orders and invoices of an account or opportunity that the user may read."""
    field = {"Account": "account_id", "Opportunity": "opportunity_id"}.get(type(obj).__name__)
    if field is None:
        return None
    user = request.user
    orders = list(selectors.related_orders(user=user, **{field: obj.pk}))
    invoices = list(selectors.related_invoices(user=user, **{field: obj.pk}))
    if not orders and not invoices:
        return None
    return {"orders": orders, "invoices": invoices}
