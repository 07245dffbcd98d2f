from django import template

from opportunities.models import format_duration

register = template.Library()


@register.filter
def duration(value) -> str:
    """A timedelta as "3 d 4 h" (time in stage)."""
    return format_duration(value)
