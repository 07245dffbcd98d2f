"""Stable dotted event types for the outgoing event stream (webhooks and rules).

`Event.action` strings written by the services map onto `<record type>.<past tense>`; the same
spelling is used by webhook subscriptions, rule triggers and the `X-CRM-Event` header.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class EventType(StrEnum):
    LEAD_CREATED = "lead.created"
    LEAD_UPDATED = "lead.updated"
    LEAD_DELETED = "lead.deleted"
    LEAD_QUALIFIED = "lead.qualified"
    LEAD_DISQUALIFIED = "lead.disqualified"
    OPPORTUNITY_CREATED = "opportunity.created"
    OPPORTUNITY_WON = "opportunity.won"
    OPPORTUNITY_LOST = "opportunity.lost"
    QUOTE_ACTIVATED = "quote.activated"
    INVOICE_PAID = "invoice.paid"
    POST_CREATED = "post.created"
    EMAIL_RECEIVED = "email.received"
    EMAIL_SENT = "email.sent"


# Event.action -> the verb of the event type (`<record type>.<verb>`); anything not listed keeps
# its action as the verb ("won", "lost", "activated", "paid", "stage_advanced", ...).
VERBS = {
    "qualify": "qualified",
    "disqualify": "disqualified",
    "reactivate": "reactivated",
    "mark_contacted": "contacted",
    "merge": "merged",
    "merged": "merged_into",
}
# Actions about something on a record that is its own kind of event (`post.created`).
OWN_TYPES = {
    "post_created": "post.created",
    "post_edited": "post.edited",
    "mentioned": "post.mentioned",
    "email.received": "email.received",
    "email.sent": "email.sent",
    "email_received": "email.received",
    "email_sent": "email.sent",
}
# Actions that are not transitions (rules: "created", "changed").
NOT_TRANSITIONS = {"created", "updated", "deleted"}

# Transitions a rule can wait for, per record type (the actions their services write).
TRANSITIONS = {
    "lead": ["mark_contacted", "qualify", "disqualify", "reactivate", "reassigned", "merge"],
    "opportunity": ["stage_advanced", "stage_retreated", "put_on_hold", "resumed", "won", "lost",
                    "reopened", "reassigned"],
    "quote": ["activated", "closed", "revised", "won"],
    "order": ["fulfilled", "canceled", "invoiced"],
    "invoice": ["issued", "payment_recorded", "paid", "canceled", "overdue"],
    "account": ["reassigned"],
    "contact": ["reassigned"],
}
TRANSITION_LABELS = {
    "mark_contacted": _("marked contacted"), "qualify": _("qualified"),
    "disqualify": _("disqualified"), "reactivate": _("reactivated"),
    "reassigned": _("reassigned"), "merge": _("merged"),
    "stage_advanced": _("stage advanced"), "stage_retreated": _("stage moved back"),
    "put_on_hold": _("put on hold"), "resumed": _("resumed"), "won": _("won"),
    "lost": _("lost"), "reopened": _("reopened"), "activated": _("activated"),
    "closed": _("closed"), "revised": _("revised"), "fulfilled": _("fulfilled"),
    "canceled": _("canceled"), "invoiced": _("invoiced"), "issued": _("issued"),
    "payment_recorded": _("payment recorded"), "paid": _("paid"), "overdue": _("overdue"),
}


def event_type_for(record_type: str, action: str) -> str:
    """`("opportunity", "won")` -> `"opportunity.won"`; `("lead", "qualify")` ->
    `"lead.qualified"`; `("lead", "email_received")` -> `"email.received"`."""
    if action in OWN_TYPES:
        return OWN_TYPES[action]
    verb = VERBS.get(action, action)
    return f"{record_type}.{verb}"


def known_event_types() -> list[str]:
    """Every event type a webhook can subscribe to (the settings page offers these)."""
    from crm.common.registries import record_types

    types = set(OWN_TYPES.values())
    for name in record_types.names():
        for action in ["created", "updated", "deleted", *TRANSITIONS.get(name, [])]:
            types.add(event_type_for(name, action))
    return sorted(types)
