from decimal import Decimal

from django import template
from django.utils.text import slugify

from crm.common.formatting import format_money

from ..registry import DAYS, INT, MONEY, PERCENT

register = template.Library()


@register.simple_tag
def cell(row, column):
    """A row's value for `column`, formatted for its kind (money, percent, days...)."""
    value = row.get(column.key)
    if value is None or value == "":
        return "—"
    if column.kind == MONEY:
        return format_money(Decimal(value))
    if column.kind == PERCENT:
        return f"{Decimal(value):.1f} %"
    if column.kind == DAYS:
        return f"{Decimal(value):.1f} d"
    if column.kind == INT:
        return f"{int(value):,}"
    return value


@register.filter
def numeric(column):
    return column.kind in (MONEY, PERCENT, DAYS, INT)


@register.filter
def lookup(mapping, key):
    """`mapping[key]` in a template (dict rows of widgets and forecast figures)."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.filter
def dom_id(name):
    """A widget name as an HTML id: "opportunities.pipeline" -> "opportunities-pipeline"."""
    return slugify(str(name).replace(".", "-"))
