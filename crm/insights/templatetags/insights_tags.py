from decimal import Decimal

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
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


@register.simple_tag
def widget_rows(result):
    """The `<tbody>` rows of a widget's table in one pass of Python (issue 17: a dashboard's
    tables were ~850 template cells, each a `{% cell %}`, two `|numeric` and a translated
    label): the same markup, each column's label and class worked out once."""
    columns = [(column, conditional_escape(column.label),
                ' class="num"' if numeric(column) else "") for column in result.widget.columns]
    out = []
    for row in result.rows:
        url = row.get("url") if isinstance(row, dict) else getattr(row, "url", None)
        cells = []
        for index, (column, label, css) in enumerate(columns):
            text = conditional_escape(cell(row, column))
            if index == 0 and url:
                text = f'<a href="{conditional_escape(url)}">{text}</a>'
            cells.append(f'<td data-label="{label}"{css}>{text}</td>')
        out.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("".join(out))


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


@register.simple_tag
def figure(value, is_money=False):
    """A designed chart's figure: money for sums and averages, a whole number for counts."""
    if value is None or value == "":
        return "—"
    if is_money:
        return format_money(Decimal(value))
    return f"{int(value):,}"
