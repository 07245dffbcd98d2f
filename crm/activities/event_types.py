"""Every `Event.action` the system writes: one name per happening, in the past tense.

Services write these through `crm.activities.events.record_event`, which refuses anything that
is not an `EventType`. The label is the timeline title (`Event.title`); the value is stored and
shown to integrators as `action` (timeline and notification API, webhook payloads) and, prefixed
with the record type, as the webhook event type (`lead.qualified`, see
`crm.automation.event_types`). `updated` and `deleted` are outgoing events only (no Event row).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # any record
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")
    REASSIGNED = "reassigned", _("Reassigned")
    # leads
    CONTACTED = "contacted", _("Marked contacted")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    REACTIVATED = "reactivated", _("Reactivated")
    MERGED = "merged", _("Merged a duplicate")
    MERGED_INTO = "merged_into", _("Merged into another lead")
    # opportunities
    STAGE_ADVANCED = "stage_advanced", _("Stage advanced")
    STAGE_RETREATED = "stage_retreated", _("Stage moved back")
    PUT_ON_HOLD = "put_on_hold", _("Put on hold")
    RESUMED = "resumed", _("Resumed")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    REOPENED = "reopened", _("Reopened")
    # lines (opportunities, orders) and quotes
    LINE_ADDED = "line_added", _("Line added")
    LINE_REMOVED = "line_removed", _("Line removed")
    PRODUCTS_ADDED = "products_added", _("Products added")
    ACTIVATED = "activated", _("Activated")
    CLOSED = "closed", _("Closed")
    REVISED = "revised", _("Revised")
    # orders and invoices
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELED = "canceled", _("Canceled")
    INVOICED = "invoiced", _("Invoiced")
    ISSUED = "issued", _("Issued")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    # collaboration, mail, business cards
    POST_CREATED = "post_created", _("Post written")
    POST_EDITED = "post_edited", _("Post edited")
    MENTIONED = "mentioned", _("Mentioned")
    EMAIL_SENT = "email.sent", _("Email sent")
    EMAIL_RECEIVED = "email.received", _("Email received")
    BUSINESS_CARD_SCANNED = "business_card_scanned", _("Business card scanned")


# Old spelling -> new, as stored before activities migration 0009 (which renames the rows).
# Applied in one step per row: the old "merged" (the duplicate's event) becomes "merged_into"
# while the old "merge" (the surviving lead's) becomes "merged".
RENAMED = {
    "mark_contacted": EventType.CONTACTED.value,
    "qualify": EventType.QUALIFIED.value,
    "disqualify": EventType.DISQUALIFIED.value,
    "reactivate": EventType.REACTIVATED.value,
    "merge": EventType.MERGED.value,
    "merged": EventType.MERGED_INTO.value,
}


def event_label(action: str) -> str:
    """The translated label of a stored action; an unknown one (written by an older version)
    readable as it is ("some_action" -> "Some action")."""
    try:
        return str(EventType(action).label)
    except ValueError:
        return action.replace("_", " ").replace("-", " ").strip().capitalize()
