"""Demo quotes for `manage.py seed_demo`: built on the demo opportunities when there are some,
the way a seller would (create from the opportunity, add a line, activate, revise, close)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone


def _open_opportunities(ctx) -> list:
    from opportunities.models import Opportunity

    found = ctx.get("opportunities")
    if found:
        return [o for o in found if Opportunity.objects.get(pk=o.pk).is_open]
    return list(Opportunity.objects.filter(status="open").select_related("owner")
                .order_by("id")[:12])


def seed(ctx) -> None:
    from . import services

    opportunities = _open_opportunities(ctx)
    if not opportunities:
        return
    products = ctx.get("products") or []
    today = timezone.localdate()
    quotes = []
    for index, opportunity in enumerate(opportunities[:6]):
        owner = opportunity.owner
        quote = services.quote_create_from_opportunity(
            opportunity=opportunity, actor=owner,
            payment_terms=["net_30", "net_45", "net_30", "net_60"][index % 4],
            freight_amount=Decimal("25.00") if index % 2 else Decimal("0.00"),
        )
        if not quote.lines.exists() and products:
            product = products[index % len(products)]
            services.quote_add_line(quote=quote, actor=owner, product=product,
                                    quantity=1 + index)
        if index == 0:
            continue  # stays a draft the seller is still working on
        if index == 1:  # a quote about to expire (the assistant warns about it)
            quote = services.quote_update(quote=quote, actor=owner,
                                          valid_until=today + timedelta(days=5))
        if index == 2:
            quote = services.quote_update(quote=quote, actor=owner,
                                          discount_percent=Decimal("5"))
        quote = services.quote_activate(quote=quote, actor=owner)
        if index == 3:  # the customer asked for a better price: revision 1, activated
            revision = services.quote_revise(quote=quote, actor=owner)
            revision = services.quote_update(quote=revision, actor=owner,
                                             discount_amount=min(
                                                 Decimal("100.00"),
                                                 (revision.detail_amount / 10).quantize(
                                                     Decimal("0.01"))))
            quote = services.quote_activate(quote=revision, actor=owner)
        if index == 5:
            quote = services.quote_close(quote=quote, actor=owner, reason="lost",
                                         note="The customer chose a cheaper offer.")
        quotes.append(quote)
    ctx["quotes"] = quotes
