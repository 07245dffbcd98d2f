from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ..models import EmailDelivery
from ..selectors import email_delivery
from ..services import MENTION_RE, cached_unread_count

register = template.Library()


@register.filter
def mentions(text):
    """A post's text as HTML: escaped, line breaks kept, `@names` highlighted."""
    escaped = str(conditional_escape(text or ""))
    html = MENTION_RE.sub(lambda m: f'<strong class="mention">@{m.group(1)}</strong>', escaped)
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 - escaped above


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context):
    """The bell: its count from the cache (no query); on a miss the bell loads it itself."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread": 0, "loaded": True}
    count = cached_unread_count(user)
    return {"unread": count or 0, "loaded": count is not None}


@register.inclusion_tag("notifications/_preferences.html", takes_context=True)
def notification_preferences(context):
    return {"choices": EmailDelivery.choices, "current": email_delivery(context["user"]),
            "csrf_token": context.get("csrf_token")}
