"""Postal addresses on cards, one convention per country.

Each convention knows its postal-code pattern and where the city stands relative to it:

* US `San Francisco, CA 94103`; CA `Toronto, ON M5V 1G6`; AU `Sydney NSW 2000`
* UK `London EC2A 8PE`, or `London` with `EC2A 8PE` on its own line; IE Eircodes
* IN `Mumbai - 400051`, `Bengaluru, Karnataka 560001`, `Mumbai 400069` (+ state line)
* DE/AT/CH/FR/ES/IT/NL… `10117 Berlin`, `75002 Paris`, `D-10117 Berlin`, `75008 Paris Cedex 08`

`match_city_line(text, region)` tries the card's own convention first, then the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import gazetteer

US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR",
}
CA_PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}
AU_STATES = {"NSW", "VIC", "QLD", "SA", "WA", "TAS", "ACT", "NT"}
IN_STATES = {
    "andhra pradesh", "assam", "bihar", "chhattisgarh", "delhi", "goa", "gujarat", "haryana",
    "himachal pradesh", "jharkhand", "karnataka", "kerala", "madhya pradesh", "maharashtra",
    "odisha", "punjab", "rajasthan", "tamil nadu", "telangana", "uttar pradesh",
    "uttarakhand", "west bengal", "chandigarh", "puducherry",
}

CITY = r"(?P<city>[^\d,|·]{2,}?)"
US_RE = re.compile(rf"^{CITY},?\s+(?P<state>[A-Za-z]{{2}})\.?,?\s+(?P<postal>\d{{5}}(?:-\d{{4}})?)$")
CA_POSTAL = r"[A-Z][0-9O][A-Z]\s?[0-9O][A-Z][0-9O]"
CA_RE = re.compile(rf"^{CITY},?\s+(?P<state>[A-Z]{{2}})\.?,?\s+(?P<postal>{CA_POSTAL})$")
AU_RE = re.compile(rf"^{CITY},?\s+(?P<state>[A-Z]{{2,3}})\.?,?\s+(?P<postal>\d{{4}})$")
UK_POSTAL = r"(?:[A-Z]{1,2}[0-9O][A-Z0-9]?\s?[0-9O][A-Z]{2})"
UK_RE = re.compile(rf"^{CITY},?\s+(?P<postal>{UK_POSTAL})$")
UK_POSTAL_RE = re.compile(rf"^(?P<postal>{UK_POSTAL})$")
IE_RE = re.compile(rf"^{CITY},?\s+(?P<postal>[A-Z][0-9O]{{2}}\s?[A-Z0-9]{{4}})$")
IN_RE = re.compile(
    rf"^{CITY}(?:,\s*(?P<state>[A-Za-z ]{{3,}}?))?\s*(?:[-–—:]\s*|,\s*|\s+)"
    r"(?P<postal>\d{3}\s?\d{3})$")
EU_RE = re.compile(
    r"^(?:(?P<cc>[A-Z]{1,2})\s?-\s?)?(?P<postal>\d{5}|\d{4}|\d{2}-\d{3}|\d{3}\s\d{2})"
    r"\s+(?P<city>[^\d,|·]{2,}?)(?:\s+cedex(?:\s+\d+)?)?$",
    re.IGNORECASE,
)
EU_REGIONS = {"DE", "FR", "ES", "AT", "CH", "IT", "NL", "BE", "LU", "PT", "PL", "DK", "SE",
              "NO", "FI", "CZ"}


@dataclass
class CityLine:
    kind: str  # the convention that matched: "US", "CA", "AU", "GB", "IE", "IN", "EU"
    city: str
    postal: str
    state: str = ""


def _fix_o(code: str) -> str:
    """OCR reads a zero in a postal code as the letter O."""
    return code.replace("O", "0")


def _uk(text: str) -> CityLine | None:
    m = UK_RE.match(text)
    if m and _plausible_city(m.group("city")):
        postal = m.group("postal").upper()
        if " " not in postal:
            postal = postal[:-3] + " " + postal[-3:]
        head, tail = postal.split(" ")
        postal = head[:1] + head[1:].replace("O", "0") + " " + _fix_o(tail[:1]) + tail[1:]
        return CityLine("GB", m.group("city"), postal)
    return None


def _plausible_city(city: str) -> bool:
    city = city.strip(" ,.-")
    letters = sum(ch.isalpha() for ch in city)
    return letters >= 2 and letters / max(len(city.replace(" ", "")), 1) > 0.8 and len(
        city.split()) <= 4


def match_city_line(text: str, region: str | None = None) -> CityLine | None:
    """The city / postal code / state on one line, by the card's convention first."""
    text = text.strip(" ,.;")
    attempts = {
        "US": _us, "CA": _ca, "AU": _au, "GB": _uk, "IE": _ie, "IN": _in, "EU": _eu,
    }
    order = []
    if region:
        order.append("EU" if region in EU_REGIONS else region)
    order += [k for k in ("US", "CA", "AU", "GB", "IE", "EU", "IN") if k not in order]
    for key in order:
        if key not in attempts:
            continue
        found = attempts[key](text)
        if found:
            found.city = found.city.strip(" ,.-")
            return found
    return None


def _us(text):
    m = US_RE.match(text)
    state = m.group("state").upper() if m else ""
    if m and state in US_STATES and _plausible_city(m.group("city")) and (
            m.group("state")[1:].isupper() or m.group("state")[0] in "il"):
        # "iL": OCR reads a capital I as a small one.
        return CityLine("US", m.group("city"), m.group("postal"), state)
    return None


def _ca(text):
    m = CA_RE.match(text.upper() if re.search(r"[a-z]\d[a-z]", text[-7:]) else text)
    if m and m.group("state") in CA_PROVINCES and _plausible_city(m.group("city")):
        m2 = CA_RE.match(text) or m
        postal = m.group("postal").upper().replace(" ", "")
        postal = postal[0] + _fix_o(postal[1]) + postal[2] + " " + _fix_o(postal[3]) + \
            postal[4] + _fix_o(postal[5])
        return CityLine("CA", m2.group("city"), postal, m.group("state"))
    return None


def _au(text):
    m = AU_RE.match(text)
    if m and m.group("state") in AU_STATES and _plausible_city(m.group("city")):
        return CityLine("AU", m.group("city"), m.group("postal"), m.group("state"))
    return None


def _ie(text):
    m = IE_RE.match(text)
    if m and _plausible_city(m.group("city")) and not UK_RE.match(text):
        postal = m.group("postal").upper()
        postal = postal[0] + _fix_o(postal[1:3]) + postal[3:]
        return CityLine("IE", m.group("city"), postal)
    return None


def _in(text):
    m = IN_RE.match(text)
    if not m:
        return None
    city, state = m.group("city").strip(" ,-"), (m.group("state") or "").strip()
    if state and state.lower() not in IN_STATES:
        state = gazetteer.repair_indian_state(state)  # "Kamataka": rn read as m
        if state.lower() not in IN_STATES:
            return None
    if not state and city.lower() not in IN_STATES and len(city) >= 5:
        repaired = gazetteer.repair_indian_state(city)
        city = repaired if repaired.lower() in IN_STATES else city
    if not state and city.lower() in IN_STATES:
        # "Telangana 500081" after "Hyderabad,": the state, the city is the part before.
        return CityLine("IN", "", m.group("postal").replace(" ", ""), city)
    if not _plausible_city(city):
        return None
    return CityLine("IN", city, m.group("postal").replace(" ", ""), state)


def _eu(text):
    m = EU_RE.match(text)
    if m and _plausible_city(m.group("city")):
        return CityLine("EU", m.group("city"), m.group("postal"))
    return None


def uk_postcode_alone(text: str) -> str | None:
    m = UK_POSTAL_RE.match(text.strip(" ,.").upper())
    if not m or not re.search(r"\d", text):
        return None
    postal = m.group("postal")
    if " " not in postal:
        postal = postal[:-3] + " " + postal[-3:]
    return postal


def indian_state(text: str) -> str | None:
    key = text.strip(" ,.").lower()
    return text.strip(" ,.") if key in IN_STATES else None
