"""Phone numbers on cards through `phonenumbers` (Google's libphonenumber metadata).

The card's region (from its country line, postal code, top-level domain or a +code) lets a
national number like "(02) 9876 5432" or "030 1234567" be read; the stored form is E.164
("+61298765432"), the form printed on the card is kept for display; whether a number is a
mobile comes from the numbering plan (`number_type`), not from a hand-made prefix table.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE}
LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.VOIP,
                  PhoneNumberType.TOLL_FREE, PhoneNumberType.UAN,
                  PhoneNumberType.SHARED_COST, PhoneNumberType.PERSONAL_NUMBER}

# OCR letters that stand for digits inside a number ("O" for 0, "l" for 1, "S" for 5).
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                                   "S": "5", "B": "8", "Z": "2"})


def _clean(raw: str) -> str:
    text = raw.translate(_DIGIT_LOOKALIKES) if re.search(r"\d", raw) else raw
    text = re.sub(r"\(\s*0\s*\)", "", text)  # "+49 (0)30": the trunk zero is not dialled
    return text.strip()


def parse_phone(raw: str, region: str | None = None):
    """A `phonenumbers.PhoneNumber` when `raw` is a possible number, else None."""
    text = _clean(raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    for candidate_region in ([region] if region else []) + [None]:
        if candidate_region is None and not text.startswith("+"):
            break
        try:
            number = phonenumbers.parse(text, candidate_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            trunk = re.match(r"^(\+\d{1,3})\s?0", text)
            if trunk:
                # "+33 (036 33 11 67 70": a "(0)" half read; the trunk zero is not dialled.
                retry = parse_phone(trunk.group(1) + " " + text[trunk.end():], region)
                if retry is not None and phonenumbers.is_valid_number(retry):
                    return retry
        if number is not None and phonenumbers.is_possible_number(number):
            return number
    return None


def e164(raw: str, region: str | None = None) -> str:
    """'+1 (415) 555-0132' -> '+14155550132'; digits only when the number cannot be parsed."""
    number = parse_phone(raw, region)
    if number is None:
        digits = re.sub(r"\D", "", re.sub(r"\(0\)", "", raw or ""))
        if (raw or "").strip().startswith("+"):
            return "+" + digits
        return "+" + digits[2:] if digits.startswith("00") else digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_kind(number) -> str | None:
    """'mobile', 'landline' or None (North America: the plan does not tell)."""
    kind = phonenumbers.number_type(number)
    if kind in MOBILE_TYPES:
        return "mobile"
    if kind in LANDLINE_TYPES:
        return "landline"
    return None


def printed(number) -> str:
    """How a person reads it: the international format ('+44 20 7946 0958')."""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def is_valid(number) -> bool:
    return phonenumbers.is_valid_number(number)


def display(value: str) -> str:
    """A stored number as people read it: '+33142685301' -> '+33 1 42 68 53 01'."""
    number = parse_phone(value) if (value or "").startswith("+") else None
    return printed(number) if number is not None else value
