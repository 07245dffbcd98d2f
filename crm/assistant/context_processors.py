from django.utils.functional import SimpleLazyObject

from .selectors import card_count


def assistant(request):
    """`assistant_count` for any template that shows it, counted only when one renders it.

    The navigation badge itself loads with htmx after the page (`assistant-badge`), so pages do
    not pay for the count before their first byte."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        return card_count(user=user)

    return {"assistant_count": SimpleLazyObject(count)}
