"""Stable dotted event types for the outgoing event stream (webhooks and rules).

`Event.action` (a `crm.activities.event_types.EventType`, past tense) maps onto
`<record type>.<action>`; the same spelling is used by webhook subscriptions, rule triggers and
the `X-CRM-Event` header.
"""

from django.utils.translation import gettext_lazy as _

from crm.activities.event_types import RENAMED
from crm.activities.event_types import EventType as Action
from crm.common.registries import record_types

# Actions about something on a record that is its own kind of event (`post.created`).
OWN_TYPES = {
    Action.POST_CREATED: "post.created",
    Action.POST_EDITED: "post.edited",
    Action.MENTIONED: "post.mentioned",
    Action.EMAIL_RECEIVED: "email.received",
    Action.EMAIL_SENT: "email.sent",
}
# Actions that are not transitions (rules: "created", "changed").
NOT_TRANSITIONS = {Action.CREATED, Action.UPDATED, Action.DELETED}

# Transitions a rule can wait for, per record type (the actions their services write).
TRANSITIONS = {
    "lead": [Action.CONTACTED, Action.QUALIFIED, Action.DISQUALIFIED,
             Action.REACTIVATED, Action.REASSIGNED, Action.MERGED],
    "opportunity": [Action.STAGE_ADVANCED, Action.STAGE_RETREATED,
                    Action.PUT_ON_HOLD, Action.RESUMED, Action.WON, Action.LOST,
                    Action.REOPENED, Action.REASSIGNED],
    "quote": [Action.ACTIVATED, Action.CLOSED, Action.REVISED, Action.WON],
    "order": [Action.FULFILLED, Action.CANCELED, Action.INVOICED],
    "invoice": [Action.ISSUED, Action.PAYMENT_RECORDED, Action.PAID,
                Action.CANCELED, Action.OVERDUE],
    "account": [Action.REASSIGNED],
    "contact": [Action.REASSIGNED],
}
TRANSITION_LABELS = {
    Action.CONTACTED: _("marked contacted"), Action.QUALIFIED: _("qualified"),
    Action.DISQUALIFIED: _("disqualified"), Action.REACTIVATED: _("reactivated"),
    Action.REASSIGNED: _("reassigned"), Action.MERGED: _("merged"),
    Action.STAGE_ADVANCED: _("stage advanced"),
    Action.STAGE_RETREATED: _("stage moved back"), Action.PUT_ON_HOLD: _("put on hold"),
    Action.RESUMED: _("resumed"), Action.WON: _("won"), Action.LOST: _("lost"),
    Action.REOPENED: _("reopened"), Action.ACTIVATED: _("activated"),
    Action.CLOSED: _("closed"), Action.REVISED: _("revised"),
    Action.FULFILLED: _("fulfilled"), Action.CANCELED: _("canceled"),
    Action.INVOICED: _("invoiced"), Action.ISSUED: _("issued"),
    Action.PAYMENT_RECORDED: _("payment recorded"), Action.PAID: _("paid"),
    Action.OVERDUE: _("overdue"),
}
# Rule transitions as stored and accepted before the actions were renamed to the past tense
# ("qualify" -> "qualified"): rules saved or sent with them keep working. The old "merged"
# (now "merged_into") was never a rule transition, so "merged" means the new spelling.
LEGACY_TRANSITIONS = {old: new for old, new in RENAMED.items() if old not in Action.values}


def event_type_for(record_type: str, action: str) -> str:
    """`("opportunity", "won")` -> `"opportunity.won"`; `("lead", "qualified")` ->
    `"lead.qualified"`; `("lead", "email.received")` -> `"email.received"`."""
    if action in OWN_TYPES:
        return OWN_TYPES[action]
    return f"{record_type}.{action}"


def known_event_types() -> list[str]:
    """Every event type a webhook can subscribe to (the settings page offers these)."""
    types = set(OWN_TYPES.values())
    for name in record_types.names():
        for action in [*NOT_TRANSITIONS, *TRANSITIONS.get(name, [])]:
            types.add(event_type_for(name, action))
    return sorted(types)
