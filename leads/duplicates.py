"""Likely duplicate leads (PROCESS.md "Duplicates").

Rules, in the order they are reported:
- `email`: the same email address, case-insensitive;
- `phone`: the same phone number in E.164 (business or mobile), a national number read in the
  lead's country (else `CRM_DEFAULT_PHONE_REGION`): "+49 (0)30 1234567" == "030 1234567";
- `name_company`: a similar name and the same company (legal forms ignored);
- `name_domain`: a similar name and the same email domain (free-mail domains ignored).
"Similar" is pg_trgm similarity on PostgreSQL (GIN-indexed `name_key`); on SQLite it falls back
to the same normalised name. Every rule is an indexed lookup on a stored key, through the one
matcher (`crm.common.matching`) that qualify and the card scanner use too.
"""

from django.utils.translation import gettext_lazy as _l

from crm.common import matching
from crm.common.visibility import scope_readable

from .keys import company_key, email_domain, email_key, name_key, phone_key
from .models import Lead

RULES = ("email", "phone", "name_company", "name_domain")
RULE_LABELS = {
    "email": _l("Same email"),
    "phone": _l("Same phone"),
    "name_company": _l("Similar name, same company"),
    "name_domain": _l("Similar name, same email domain"),
}
NAME_SIMILARITY = matching.NAME_SIMILARITY
LIMIT = 20


def _similar_name(qs, key: str):
    return matching.similar(qs, "name_key", key, NAME_SIMILARITY)


def find_lead_duplicates(*, user, email="", phone="", first_name="", last_name="", company="",
                         country="", exclude_id=None, limit=LIMIT) -> list[dict]:
    """Leads `user` may read that look like the given person: `[{"lead", "rule"}]`.

    `country` is the person's country: a national `phone` is read there."""
    base = scope_readable(Lead.objects.select_related("owner"), user)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    found: dict[int, dict] = {}

    def add(queryset, rule):
        for lead in queryset[:limit]:
            if lead.pk not in found and len(found) < limit:
                found[lead.pk] = {"lead": lead, "rule": rule}

    ekey = email_key(email)
    if ekey and "@" in ekey:
        add(base.exclude(email_key="").filter(email_key=ekey).order_by("-id"), "email")
    pkey = phone_key(phone, country)
    if pkey:
        add(base.filter(matching.phone_match([pkey])).order_by("-id"), "phone")
    nkey = name_key(first_name, last_name)
    if nkey:
        ckey = company_key(company)
        if ckey:
            add(_similar_name(base.filter(company_key=ckey), nkey), "name_company")
        domain = email_domain(email)
        if domain:
            add(_similar_name(base.exclude(email_domain="").filter(email_domain=domain), nkey),
                "name_domain")
    return list(found.values())


def duplicates_of(*, lead: Lead, user) -> list[dict]:
    """Likely duplicates of a stored lead (both of its phone numbers are checked)."""
    matches = find_lead_duplicates(
        user=user, email=lead.email, phone=lead.business_phone or lead.mobile_phone,
        first_name=lead.first_name, last_name=lead.last_name, company=lead.company,
        country=lead.country, exclude_id=lead.pk,
    )
    if lead.business_phone and lead.mobile_phone:
        seen = {m["lead"].pk for m in matches}
        matches += [m for m in find_lead_duplicates(user=user, phone=lead.mobile_phone,
                                                    country=lead.country, exclude_id=lead.pk)
                    if m["lead"].pk not in seen]
    return matches


def serialize_duplicate(match: dict) -> dict:
    lead = match["lead"]
    return {
        "id": lead.pk, "rule": match["rule"], "name": lead.full_name, "company": lead.company,
        "email": lead.email, "status": lead.status, "owner": lead.owner_id,
        "url": lead.get_absolute_url(),
    }
