"""One way to keep a record page fresh after an htmx quick action.

An action that changes a record (an activity logged or completed, a line added, a step saved)
answers its htmx request with the fragment it swaps plus the `HX-Trigger: record-changed`
header. Every fragment of a record page that shows derived state (the header with status and
totals, the details panel with "last activity") is rendered with
`templates/common/_record_refresh.html`: it listens for `record-changed` on the body and
re-fetches itself from the record's own page (`hx-select` picks its element by id; other
fragments of the page come with the same response through `hx-select-oob`). So no fragment has
to know which action changed what, and a new record type needs no new view.
"""

import json

RECORD_CHANGED = "record-changed"


def trigger_record_changed(response):
    """Add the `record-changed` event to the response's HX-Trigger header (keeping others)."""
    existing = response.headers.get("HX-Trigger", "").strip()
    if not existing:
        response["HX-Trigger"] = RECORD_CHANGED
        return response
    if existing.startswith("{"):
        events = json.loads(existing)
    else:
        events = {name.strip(): None for name in existing.split(",") if name.strip()}
    events.setdefault(RECORD_CHANGED, None)
    response["HX-Trigger"] = json.dumps(events)
    return response
