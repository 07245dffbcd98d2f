from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from crm.common.formatting import (
    MISSING,
    format_datetime,
    format_day,
    format_money,
    format_time,
    format_when,
    iso_datetime,
)
from crm.common.panels import panel_placeholder, panels_for, render_panel

register = template.Library()


@register.filter
def money(value, currency=""):
    """`{{ amount|money:currency }}`: crm.common.formatting.format_money, like every message."""
    return format_money(value, currency or None)


@register.simple_tag
def when(value):
    """`{% when moment %}`: the one way a page shows a date-time (crm.common.formatting):
    `<time datetime="ISO" title="Dec 7, 2026 14:05">3 hours ago</time>`, relative when near,
    absolute otherwise; a date alone reads as a date; None reads "—"."""
    if value is None or value == "":
        return MISSING
    return format_html('<time datetime="{}" title="{}">{}</time>', iso_datetime(value),
                       format_datetime(value), format_when(value))


@register.filter
def day(value):
    """`{{ due_date|day }}`: a date as people read it ("Dec 7, 2026"), never relative; "—"
    for none. Plain text, so it also fits an attribute or a sentence."""
    return format_day(value)


@register.filter
def clock(value):
    """`{{ ends_at|clock }}`: the local time of day ("14:05"), e.g. the end of a range."""
    return format_time(value)


@register.filter
def exact(value):
    """`{{ moment|exact }}`: the absolute date-time as plain text ("Dec 7, 2026 14:05")."""
    return format_datetime(value)


@register.simple_tag(takes_context=True)
def record_panels(context, record_type, obj, column="main"):
    """Render the panels other apps registered for this record type's detail page
    (panels registered under "*" appear on every record type's page)."""
    request = context["request"]
    html = []
    for panel in panels_for(record_type, column):
        # Lazy panels load after the first paint (crm/common/panels.py).
        html.append(panel_placeholder(record_type, obj, panel) if panel.lazy
                    else render_panel(request, panel, record_type, obj))
    return mark_safe("".join(html))


@register.simple_tag(takes_context=True)
def sort_header(context, key, label):
    """A sortable column header link with an arrow for the active sort."""
    sort = context.get("sort", "")
    links = context.get("sort_links", {})
    arrow = ""
    if sort == key:
        arrow = " ▲"
    elif sort == f"-{key}":
        arrow = " ▼"
    aria = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
    url = links.get(key, "?")
    # aria-sort belongs on the column header (a link may not carry it): static/js/a11y.js
    # copies `data-sort` to the enclosing <th>.
    return format_html('<a href="{}" class="sort" data-sort="{}">{}<span aria-hidden="true">{}'
                       '</span></a>', url, aria, label, arrow)


@register.filter
def field_value(obj, name):
    return getattr(obj, name, "")
