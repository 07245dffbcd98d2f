"""The timeline panel every record detail page shows (registered for "*" in apps.py)."""

from crm.common.registries import record_types

from . import selectors
from .forms import QUICK_ADD_LABELS, QuickAddForm
from .models import REGARDING_FIELDS, TIMELINE_KINDS


def timeline_context(request, record_type: str, record, *, kind: str = "", cursor: str = ""):
    page = selectors.timeline_page(user=request.user, record_type=record_type,
                                   record_id=record.pk, kind=kind, cursor=cursor)
    return {
        "record_type": record_type,
        "record": record,
        "entries": page.entries,
        "next_cursor": page.next_cursor,
        "kind": kind,
        "kinds": TIMELINE_KINDS,
    }


def timeline_panel_context(request, obj):
    """Context for `activities/_timeline_panel.html`, or None for non-timeline records."""
    try:
        record_type = record_types.for_model(type(obj)).name
    except KeyError:
        return None
    ctx = timeline_context(request, record_type, obj)
    if record_type in REGARDING_FIELDS:
        ctx["quick_add"] = [
            {"kind": kind, "label": label, "form": QuickAddForm(kind=kind, user=request.user)}
            for kind, label in QUICK_ADD_LABELS.items()
        ]
    return ctx
