from django import template

from ..registry import kind_label
from ..selectors import card_list

register = template.Library()


@register.simple_tag(takes_context=True)
def assistant_home_cards(context, limit=5):
    """`{% assistant_home_cards 5 as panel %}` -> {"cards", "has_more", "limit"} for the caller."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"cards": [], "has_more": False, "limit": limit}
    limit = int(context.get("assistant_limit") or limit)
    cards = list(card_list(user=user)[: limit + 1])
    return {"cards": cards[:limit], "has_more": len(cards) > limit, "limit": limit}


@register.filter
def card_kind_label(kind):
    return kind_label(kind)
