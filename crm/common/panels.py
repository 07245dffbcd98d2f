"""Record pages paint first, panels follow: each panel of `{% record_panels %}` is a
placeholder that fetches its own HTML (htmx, `hx-trigger="load"`) from `record-panel`.

The first paint of a lead, account, contact, opportunity, quote, order or invoice page needs
only the record and its header; the timeline, related lists, quotes, assistant cards and the
other panels other apps register (`crm.common.registries.register_panel`) each cost one small
request after it, so a page with a 10,000-entry timeline paints as fast as one with 10.
A panel registered with `lazy=False` is rendered in the page as before.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import View

from .registries import detail_panels, record_types
from .visibility import get_readable_or_404


def panels_for(record_type: str, column: str | None = None):
    panels = sorted(detail_panels.get(record_type, []) + detail_panels.get("*", []),
                    key=lambda p: p.order)
    return [p for p in panels if column is None or p.column == column]


def render_panel(request, panel, record_type: str, obj) -> str:
    panel_ctx = panel.context(request, obj)
    if panel_ctx is None:
        return ""
    return render_to_string(panel.template_name,
                            {**panel_ctx, "object": obj, "record_type": record_type},
                            request=request)


def panel_placeholder(record_type: str, obj, panel) -> str:
    url = reverse("record-panel", args=[record_type, obj.pk, panel.name])
    return format_html(
        '<div class="panel-slot" data-panel-slot="{}" hx-get="{}" hx-trigger="load" '
        'hx-swap="outerHTML"><p class="muted small" aria-busy="true">{}</p></div>',
        panel.name, url, _("Loading…"),
    )


class RecordPanelView(LoginRequiredMixin, View):
    """One panel of a record page (404 when the user may not read the record)."""

    def get(self, request, record_type, pk, name):
        if record_type not in record_types:
            raise Http404("Unknown record type.")
        rt = record_types.get(record_type)
        panel = next((p for p in panels_for(record_type) if p.name == name), None)
        if panel is None:
            raise Http404("No such panel.")
        obj = get_readable_or_404(rt.model._default_manager.all(), request.user,
                                  owner_field=rt.owner_field, visibility=rt.visibility, pk=pk)
        response = HttpResponse(render_panel(request, panel, record_type, obj))
        response["Cache-Control"] = "private, no-cache"
        return response
