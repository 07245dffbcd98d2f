"""The timeline panel every record detail page shows (registered for "*" in apps.py)."""

from django.utils.translation import gettext_lazy as _

from crm.common.registries import record_types

from . import selectors
from .forms import QUICK_ADD_LABELS
from .models import REGARDING_FIELDS, TIMELINE_KINDS

# Other core apps enrich a page of entries (the mail app attaches each email entry's message
# and thread): `hook(entries=, user=, record_type=, record_id=)`, a constant number of queries
# per page. Registered in their AppConfig.ready().
timeline_entry_hooks: list = []
# The kind filter reads in the plural ("Emails", "Notes"...).
FILTER_LABELS = {"task": _("Tasks"), "phone_call": _("Phone calls"), "email": _("Emails"),
                 "appointment": _("Appointments"), "note": _("Notes"),
                 "event": _("System events")}


def register_timeline_entry_hook(hook) -> None:
    if hook not in timeline_entry_hooks:
        timeline_entry_hooks.append(hook)


def timeline_context(request, record_type: str, record, *, kind: str = "", cursor: str = ""):
    page = selectors.timeline_page(user=request.user, record_type=record_type,
                                   record_id=record.pk, kind=kind, cursor=cursor)
    for hook in timeline_entry_hooks:
        hook(entries=page.entries, user=request.user, record_type=record_type,
             record_id=record.pk)
    return {
        "record_type": record_type,
        "record": record,
        "entries": page.entries,
        "next_cursor": page.next_cursor,
        "kind": kind,
        "kinds": [(value, FILTER_LABELS.get(value, label)) for value, label in TIMELINE_KINDS],
    }


def timeline_panel_context(request, obj):
    """Context for `activities/_timeline_panel.html`, or None for non-timeline records."""
    try:
        record_type = record_types.for_model(type(obj)).name
    except KeyError:
        return None
    ctx = timeline_context(request, record_type, obj)
    if record_type in REGARDING_FIELDS:
        # Each form (with its owner select) loads when its "+ Task"/"+ Note"... opens
        # (QuickAddView.get): the panel renders none of them.
        ctx["quick_add"] = [{"kind": kind, "label": label, "form": None}
                            for kind, label in QUICK_ADD_LABELS.items()]
    return ctx
