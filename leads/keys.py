"""Normalised keys for duplicate detection, computed once per lead and stored (indexed).

The same functions normalise what a user types, what a CSV row holds and what is stored, so
"Regina Murphy, Contoso Inc." and "regina  murphy, CONTOSO" meet on the same keys.
"""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_DIGIT = re.compile(r"\D+")
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


def _ascii_lower(value: str) -> str:
    value = unicodedata.normalize("NFKD", value or "")
    return value.encode("ascii", "ignore").decode("ascii").lower()


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


def phone_key(phone: str = "") -> str:
    """Digits only; too-short numbers (extensions, typos) give no key."""
    digits = _NON_DIGIT.sub("", phone or "")
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""
