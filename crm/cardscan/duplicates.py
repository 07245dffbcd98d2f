"""Possible duplicates of a scanned card: contacts and accounts here, leads through a hook.

The core never imports the leads app; `leads/cardscan_views.py` registers its finder with
`register_duplicate_finder`, discovered the first time duplicates are looked up.
Each match is a dict: `{"type", "id", "name", "detail", "rule", "url"}`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _l

from crm.common import matching
from crm.customers import selectors as customer_selectors

from .relationship import summarise

RULE_LABELS = {
    "email": _l("Same email"),
    "phone": _l("Same phone"),
    "name_company": _l("Same name and company"),
    "company": _l("Same company name"),
}
LIMIT = 10

_finders: dict[str, Callable] = {}
_discovered = False


def register_duplicate_finder(name: str, finder: Callable) -> None:
    """`finder(user=..., fields=...)` returns matches the user may read."""
    _finders[name] = finder


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("cardscan_views")


def _phone_keys(fields: dict) -> list[str]:
    """The card's numbers as E.164 keys (a national number read in the card's country):
    "+49 30 1234567" on the card == "030 1234567" on a German contact."""
    country = fields.get("country") or ""
    return [key for key in (matching.phone_key(fields.get(name) or "", country)
                            for name in ("business_phone", "mobile_phone")) if key]


def contact_duplicates(*, user, fields: dict) -> list[dict]:
    email = (fields.get("email") or "").strip()
    first = (fields.get("first_name") or "").strip()
    last = (fields.get("last_name") or "").strip()
    company = (fields.get("company") or "").strip()
    contacts = customer_selectors.contact_list(user=user)
    found: dict[int, dict] = {}

    def add(queryset, rule):
        for contact in queryset[:LIMIT]:
            if contact.pk not in found:
                found[contact.pk] = {
                    "type": "contact", "id": contact.pk, "name": contact.full_name,
                    "detail": ", ".join(x for x in [contact.email, contact.account.name
                                                    if contact.account else ""] if x),
                    "rule": rule, "url": contact.get_absolute_url(),
                }

    if email:
        add(contacts.filter(Q(email__iexact=email) | Q(email2__iexact=email)), "email")
    keys = _phone_keys(fields)
    if keys:
        add(contacts.filter(matching.phone_match(keys)), "phone")
    if last and company:
        add(contacts.filter(last_name__iexact=last, first_name__iexact=first,
                            account__name__iexact=company), "name_company")
    return list(found.values())


def account_duplicates(*, user, fields: dict) -> list[dict]:
    company = (fields.get("company") or "").strip()
    email = (fields.get("email") or "").strip()
    if not company and not email:
        return []
    accounts = customer_selectors.account_list(user=user)
    q = Q()
    if company:
        q |= Q(name__iexact=company)
    if email:
        q |= Q(email__iexact=email)
    return [
        {"type": "account", "id": a.pk, "name": a.name, "detail": a.city,
         "rule": "company" if company and a.name.lower() == company.lower() else "email",
         "url": a.get_absolute_url()}
        for a in accounts.filter(q).order_by("name")[:LIMIT]
    ]


register_duplicate_finder("contact", contact_duplicates)
register_duplicate_finder("account", account_duplicates)


def find_duplicates(*, user, fields: dict) -> list[dict]:
    """Every possible duplicate the user may read, leads first, then contacts and accounts."""
    _discover()
    order = {"lead": 0, "contact": 1, "account": 2}
    matches: list[dict] = []
    for finder in _finders.values():
        matches.extend(finder(user=user, fields=fields))
    for match in matches:
        match["rule_label"] = str(RULE_LABELS.get(match["rule"], match["rule"].replace("_", " ")))
    matches = sorted(matches, key=lambda m: order.get(m["type"], 9))
    # The past relationship: owner, last activity, open opportunities, won revenue.
    return summarise(matches, user=user)
