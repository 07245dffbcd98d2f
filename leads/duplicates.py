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

from django.db import connections
from django.db.models import F, FloatField, Value
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


def _rule_queries(base, *, email, phones, first_name, last_name, company, country, limit):
    """(rule, queryset of at most `limit` candidates in the rule's order), strongest rule
    first; a rule without a key to compare is left out."""
    queries = []
    ekey = email_key(email)
    if ekey and "@" in ekey:
        queries.append(("email", base.exclude(email_key="").filter(email_key=ekey)
                        .order_by("-id")))
    pkeys = [phone_key(phone, country) for phone in phones]
    if any(pkeys):
        queries.append(("phone", base.filter(matching.phone_match(pkeys)).order_by("-id")))
    nkey = name_key(first_name, last_name)
    if nkey:
        ckey = company_key(company)
        if ckey:
            queries.append(("name_company", _similar_name(base.filter(company_key=ckey), nkey)))
        domain = email_domain(email)
        if domain:
            queries.append(("name_domain", _similar_name(
                base.exclude(email_domain="").filter(email_domain=domain), nkey)))
    return [(rule, qs[:limit]) for rule, qs in queries]


def _candidate_ids(queries) -> list[tuple[int, str]]:
    """(lead id, rule) of every rule's candidates in report order, in one query where the
    database can combine ordered, limited selects (PostgreSQL: a UNION ALL of the rules)."""
    if not queries:
        return []
    rows = []  # (rule position, -similarity, -id, id)
    features = connections[queries[0][1].db].features
    if features.supports_slicing_ordering_in_compound and len(queries) > 1:
        parts = [qs.annotate(_rule=Value(n), _rank=_rank_of(qs)).values_list(
                 "id", "_rule", "_rank") for n, (_rule, qs) in enumerate(queries)]
        combined = parts[0].union(*parts[1:], all=True)
        rows = [(position, -float(rank), -pk, pk) for pk, position, rank in combined]
    else:
        for position, (_rule, qs) in enumerate(queries):
            rows += [(position, -float(rank), -pk, pk)
                     for pk, rank in qs.annotate(_rank=_rank_of(qs)).values_list("id", "_rank")]
    rows.sort()
    return [(pk, queries[position][0]) for position, _rank, _neg, pk in rows]


def _rank_of(qs):
    """The similarity a name rule orders by (0 for exact-key rules, ordered by id alone)."""
    if "_similarity" in qs.query.annotations:
        return F("_similarity")
    return Value(0.0, output_field=FloatField())


def find_lead_duplicates(*, user, email="", phone="", first_name="", last_name="", company="",
                         country="", exclude_id=None, limit=LIMIT,
                         other_phone="") -> list[dict]:
    """Leads `user` may read that look like the given person: `[{"lead", "rule"}]`, at most
    `limit`, each lead once under its strongest rule (email, phone, name_company,
    name_domain). Two queries at most: the candidates' ids of every rule at once, then the
    leads (with their owners).

    `country` is the person's country: a national `phone` (and `other_phone`, a second number
    of the same person) is read there."""
    base = scope_readable(Lead.objects.all(), user)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    queries = _rule_queries(base, email=email, phones=(phone, other_phone),
                            first_name=first_name, last_name=last_name, company=company,
                            country=country, limit=limit)
    found: dict[int, str] = {}
    for pk, rule in _candidate_ids(queries):
        if pk not in found and len(found) < limit:
            found[pk] = rule
    if not found:
        return []
    leads = Lead.objects.select_related("owner").in_bulk(list(found))
    return [{"lead": leads[pk], "rule": rule} for pk, rule in found.items() if pk in leads]


def duplicates_of(*, lead: Lead, user) -> list[dict]:
    """Likely duplicates of a stored lead (both of its phone numbers are checked)."""
    return find_lead_duplicates(
        user=user, email=lead.email, phone=lead.business_phone,
        other_phone=lead.mobile_phone, first_name=lead.first_name, last_name=lead.last_name,
        company=lead.company, country=lead.country, exclude_id=lead.pk,
    )


def serialize_duplicate(match: dict) -> dict:
    lead = match["lead"]
    return {
        "id": lead.pk, "rule": match["rule"], "name": lead.full_name, "company": lead.company,
        "email": lead.email, "status": lead.status, "owner": lead.owner_id,
        "url": lead.get_absolute_url(),
    }
