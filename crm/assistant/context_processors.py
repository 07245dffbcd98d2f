from django.utils.functional import SimpleLazyObject


def assistant(request):
    """`assistant_count` for the navigation badge, counted only when a template renders it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from .selectors import card_count

        return card_count(user=user)

    return {"assistant_count": SimpleLazyObject(count)}
