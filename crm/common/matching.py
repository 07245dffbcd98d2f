"""The one matcher: normalised keys and the lookups that find the same person or company.

Lead duplicates (`leads.duplicates`), qualify's account and contact candidates
(`opportunities.conversion`) and the card scanner's duplicates (`crm.cardscan.duplicates`) all
match through here, so "Regina Murphy, Contoso Inc." and "regina  murphy, CONTOSO" meet on the
same keys wherever they are compared.

- Keys (`name_key`, `company_key`, `email_key`, `email_domain`, `phone_key`) are computed once
  per record on save and stored (indexed); the same functions normalise what a user types.
- Phone keys are E.164 through `phonenumbers` (Google's libphonenumber metadata), the number
  read in the record's country (else `settings.CRM_DEFAULT_PHONE_REGION`): "+49 (0)30 1234567"
  and "030 1234567" for a German record are both "+49301234567".
- "Similar" is pg_trgm similarity (`TrigramSimilarity`, GIN-indexed) on PostgreSQL; other
  databases (SQLite, `make run`) have no trigrams and fall back to the same normalised key.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connections
from django.db.models import Q, QuerySet

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_DIGIT = re.compile(r"\D+")
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")  # "+49 (0)30 …": the trunk zero is not dialled
# Legal-form words dropped from company names ("Contoso Ltd" == "Contoso" == "Contoso.inc").
_LEGAL_FORMS = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "plc", "corp", "corporation", "co",
    "company", "gmbh", "ag", "kg", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "oy", "ab",
    "as", "pty", "the",
}
# Shared mailbox providers: the same domain there says nothing about the same company.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "outlook.com",
    "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "gmx.de", "gmx.net", "web.de",
    "proton.me", "protonmail.com", "mail.com", "yandex.ru", "qq.com", "163.com",
})
MIN_PHONE_DIGITS = 6
NAME_SIMILARITY = 0.45

# Country names as records and cards write them (folded: lowercase ASCII letters only) -> ISO
# region; two-letter codes ("DE", "gb") are read directly when phonenumbers knows the region.
COUNTRY_REGIONS = {
    "usa": "US", "us": "US", "unitedstates": "US", "unitedstatesofamerica": "US",
    "estadosunidos": "US", "etatsunis": "US", "canada": "CA", "unitedkingdom": "GB",
    "uk": "GB", "greatbritain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "royaumeuni": "GB", "reinounido": "GB", "ireland": "IE", "australia": "AU",
    "newzealand": "NZ", "germany": "DE", "deutschland": "DE", "allemagne": "DE",
    "alemania": "DE", "austria": "AT", "osterreich": "AT", "switzerland": "CH", "schweiz": "CH",
    "suisse": "CH", "svizzera": "CH", "france": "FR", "frankreich": "FR", "francia": "FR",
    "belgium": "BE", "belgique": "BE", "netherlands": "NL", "nederland": "NL",
    "luxembourg": "LU", "spain": "ES", "espana": "ES", "spanien": "ES", "espagne": "ES",
    "portugal": "PT", "italy": "IT", "italia": "IT", "mexico": "MX", "chile": "CL",
    "argentina": "AR", "colombia": "CO", "peru": "PE", "brasil": "BR", "brazil": "BR",
    "india": "IN", "japan": "JP", "china": "CN", "singapore": "SG", "southafrica": "ZA",
    "sweden": "SE", "sverige": "SE", "norway": "NO", "denmark": "DK", "finland": "FI",
    "poland": "PL", "polska": "PL",
}


# --- keys ----------------------------------------------------------------------------------------

def _ascii_lower(value: str) -> str:
    value = unicodedata.normalize("NFKD", value or "")
    return value.encode("ascii", "ignore").decode("ascii").lower()


def fold(text: str) -> str:
    """Lowercase ASCII letters and digits only: 'Österreich' -> 'osterreich'."""
    return re.sub(r"[^a-z0-9]", "", _ascii_lower(text))


def name_key(first_name: str = "", last_name: str = "") -> str:
    """'  Régina   MURPHY ' -> 'regina murphy'."""
    text = _ascii_lower(f"{first_name} {last_name}")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def company_key(company: str = "") -> str:
    """'Contoso, Ltd.' -> 'contoso'; empty when nothing distinctive is left."""
    words = _NON_ALNUM.sub(" ", _ascii_lower(company)).split()
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)


def email_key(email: str = "") -> str:
    return (email or "").strip().lower()


def email_domain(email: str = "") -> str:
    """The company domain of an address; empty for free-mail providers."""
    key = email_key(email)
    if "@" not in key:
        return ""
    domain = key.rsplit("@", 1)[1]
    return "" if domain in FREE_MAIL_DOMAINS else domain


def region_for_country(country: str = "") -> str | None:
    """'Germany', 'Deutschland' or 'DE' -> 'DE'; None when the text names no known country."""
    folded = fold(country or "")
    if not folded:
        return None
    region = COUNTRY_REGIONS.get(folded)
    if region is None and len(folded) == 2 and folded.upper() in phonenumbers.SUPPORTED_REGIONS:
        region = folded.upper()
    return region


def phone_region(country: str = "") -> str | None:
    """The region a national number is read in: the record's country, else the default."""
    return region_for_country(country) or (settings.CRM_DEFAULT_PHONE_REGION or None)


def parse_phone(phone: str = "", country: str = ""):
    """A `phonenumbers.PhoneNumber` when `phone` is a complete possible number, else None."""
    text = _TRUNK_ZERO.sub("", (phone or "").strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, phone_region(country))
    except phonenumbers.NumberParseException:
        return None
    # Local-only numbers (no area code) are not keys: they name no single line.
    if phonenumbers.is_possible_number_with_reason(number) != \
            phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return number


def phone_key(phone: str = "", country: str = "") -> str:
    """E.164 ('+49301234567') of a number as typed, read in `country` (else the default region).

    A number phonenumbers cannot read as a complete one keeps its digits (at least
    MIN_PHONE_DIGITS, without '+': never equal to an E.164 key), so two identical odd numbers
    still meet; shorter ones (extensions, typos) give no key.
    """
    number = parse_phone(phone, country)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = _NON_DIGIT.sub("", phone or "")
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


# --- lookups -------------------------------------------------------------------------------------

def has_trigrams(queryset: QuerySet) -> bool:
    """pg_trgm similarity is there (PostgreSQL, extension created by common 0003)."""
    return connections[queryset.db].vendor == "postgresql"


def similar(queryset: QuerySet, field: str, key: str, threshold: float = NAME_SIMILARITY):
    """Rows whose stored key `field` is similar to `key`, most similar first (then newest).

    PostgreSQL: trigram similarity >= `threshold` (GIN `gin_trgm_ops` index on the key);
    elsewhere: the same key.
    """
    if has_trigrams(queryset):
        return queryset.annotate(_similarity=TrigramSimilarity(field, key)).filter(
            _similarity__gte=threshold
        ).order_by("-_similarity", "-id")
    return queryset.filter(**{field: key}).order_by("-id")


def phone_match(keys, fields=("phone_key", "mobile_key")) -> Q:
    """Any of the stored phone keys `fields` equal to any of `keys` (E.164 or digit keys)."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return Q(pk__in=[])  # matches nothing
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__in": keys})
    return condition


def same_company(queryset: QuerySet, company: str, field: str = "company_key"):
    """Rows whose stored company key equals the key of `company` (legal forms ignored);
    none when the name has no key."""
    key = company_key(company)
    if not key:
        return queryset.none()
    return queryset.filter(**{field: key})
