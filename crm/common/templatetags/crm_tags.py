from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from crm.common.formatting import format_money
from crm.common.registries import detail_panels

register = template.Library()


@register.filter
def money(value, currency=""):
    """`{{ amount|money:currency }}`: crm.common.formatting.format_money, like every message."""
    return format_money(value, currency or None)


@register.simple_tag(takes_context=True)
def record_panels(context, record_type, obj, column="main"):
    """Render the panels other apps registered for this record type's detail page
    (panels registered under "*" appear on every record type's page)."""
    request = context["request"]
    html = []
    panels = sorted(detail_panels.get(record_type, []) + detail_panels.get("*", []),
                    key=lambda p: p.order)
    for panel in panels:
        if panel.column != column:
            continue
        panel_ctx = panel.context(request, obj)
        if panel_ctx is None:
            continue
        html.append(render_to_string(panel.template_name, {**panel_ctx, "object": obj,
                                                            "record_type": record_type},
                                     request=request))
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
    return format_html('<a href="{}" class="sort" aria-sort="{}">{}{}</a>', url, aria, label, arrow)


@register.filter
def field_value(obj, name):
    return getattr(obj, name, "")
