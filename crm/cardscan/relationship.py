"""The past relationship behind each possible duplicate of a scanned card.

For every matching lead, contact or account the seller sees who owns it, when something last
happened with it, how many opportunities are open and how much revenue was won. The matches
come from `duplicates.find_duplicates` (already scoped to what the user may read); the
opportunity figures count only opportunities the user may read too, so a summary never reveals
a record the user could not open. The core never imports the pipeline apps: leads and
opportunities are reached through the app registry, and both are optional.

A fixed number of queries whatever the number of matches: one per record type, one per
opportunity link.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.common.formatting import format_money
from crm.common.visibility import scope_readable

MODELS = {"lead": ("leads", "Lead"), "contact": ("customers", "Contact"),
          "account": ("customers", "Account")}
# Which opportunity field points at a record of each type.
OPPORTUNITY_LINKS = {"lead": "originating_lead_id", "contact": "contact_id",
                     "account": "account_id"}
TYPE_LABELS = {"lead": _("Lead"), "contact": _("Contact"), "account": _("Account")}
EDIT_URLS = {"lead": "lead-update", "contact": "contact-update", "account": "account-update"}


def _model(kind: str):
    app_label, name = MODELS[kind]
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _opportunity_model():
    try:
        return apps.get_model("opportunities", "Opportunity")
    except LookupError:
        return None


def summarise(matches: list[dict], *, user) -> list[dict]:
    """Add `owner`, `last_activity_at`, `open_opportunities`, `won_revenue` (a list of
    `{"currency", "amount"}`), `won_revenue_display` and `edit_url` to each match."""
    ids: dict[str, set[int]] = defaultdict(set)
    for match in matches:
        ids[match["type"]].add(match["id"])
    records: dict[tuple[str, int], object] = {}
    for kind, pks in ids.items():
        model = _model(kind) if kind in MODELS else None
        if model is None:
            continue
        for record in model.objects.filter(pk__in=pks).select_related("owner"):
            records[(kind, record.pk)] = record
    open_counts: dict[tuple[str, int], int] = defaultdict(int)
    won: dict[tuple[str, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    opportunity = _opportunity_model()
    if opportunity is not None:
        readable = scope_readable(opportunity.objects.all(), user)
        for kind, pks in ids.items():
            link = OPPORTUNITY_LINKS.get(kind)
            if not link:
                continue
            rows = (readable.filter(**{f"{link}__in": pks}, status__in=["open", "won"])
                    .values_list(link, "status", "currency", "actual_revenue",
                                 "estimated_revenue"))
            for pk, status, currency, actual, estimated in rows:
                if status == "open":
                    open_counts[(kind, pk)] += 1
                else:
                    won[(kind, pk)][currency] += actual if actual is not None else estimated
    for match in matches:
        key = (match["type"], match["id"])
        record = records.get(key)
        owner = getattr(record, "owner", None)
        match["type_label"] = str(TYPE_LABELS.get(match["type"], match["type"]))
        match["owner"] = (owner.get_full_name() or owner.username) if owner else ""
        match["last_activity_at"] = getattr(record, "last_activity_at", None)
        match["open_opportunities"] = open_counts.get(key, 0)
        amounts = won.get(key, {})
        match["won_revenue"] = [{"currency": c, "amount": str(a)}
                                for c, a in sorted(amounts.items())]
        match["won_revenue_display"] = ", ".join(format_money(a, c)
                                                 for c, a in sorted(amounts.items()))
        try:
            match["edit_url"] = reverse(EDIT_URLS[match["type"]], args=[match["id"]])
        except (KeyError, NoReverseMatch):
            match["edit_url"] = ""
    return matches
