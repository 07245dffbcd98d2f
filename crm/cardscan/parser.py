"""Business card text -> contact fields, each with a confidence between 0 and 1.

A pure module: no Django, no OCR, no I/O. It takes the lines Tesseract read (or any text) and
applies rules in an order that lets the sure things go first: e-mail addresses, web sites and
phone numbers have a recognisable shape; the postal address is anchored on the line holding
the postal code and city (US, Canadian, Australian, British, Irish and continental formats);
what is left is the person's name, their job title and the company, told apart by legal-form
suffixes, title keywords, the e-mail address and the text size.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

FIELDS = [
    "first_name", "last_name", "job_title", "company", "email", "business_phone",
    "mobile_phone", "fax", "website", "street", "city", "state", "postal_code", "country",
]
LOW_CONFIDENCE = 0.6


@dataclass
class OcrLine:
    """One line of text as OCR saw it. `confidence` 0..1; `height` in pixels (0: unknown)."""

    text: str
    confidence: float = 1.0
    height: int = 0
    top: int = 0
    left: int = 0
    block: int = 0


@dataclass
class ParsedCard:
    fields: dict[str, str] = field(default_factory=lambda: dict.fromkeys(FIELDS, ""))
    confidence: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0.0))
    emails: list[str] = field(default_factory=list)  # every address found, best first
    unused_lines: list[str] = field(default_factory=list)

    def set(self, name: str, value: str, confidence: float) -> None:
        self.fields[name] = value
        self.confidence[name] = round(max(0.0, min(1.0, confidence)), 2)

    @property
    def low_confidence_fields(self) -> list[str]:
        return [n for n in FIELDS if self.fields[n] and self.confidence[n] < LOW_CONFIDENCE]

    def as_dict(self) -> dict:
        return {"fields": dict(self.fields), "confidence": dict(self.confidence)}


# --- vocabulary ---------------------------------------------------------------------------------

LEGAL_FORMS = re.compile(
    r"(?<![\w])(gmbh|ag|kg|ohg|gbr|ug|e\.?\s?k\.?|inc\.?|incorporated|llc|l\.l\.c\.|ltd\.?|"
    r"limited|plc|corp\.?|corporation|co\.|company|lp|llp|pty|s\.?\s?a\.?|s\.?\s?l\.?|"
    r"s\.?a\.?s\.?|sarl|s\.?a\.?r\.?l\.?|eurl|sas|sasu|s\.?p\.?a\.?|s\.?r\.?l\.?|b\.?v\.?|"
    r"n\.?v\.?|oy|ab|as|a/s|aps|group|gruppe|groupe|grupo|holding|holdings|partners|"
    r"partner|& co|associates|consulting|solutions|systems|technologies|industries|"
    r"studio|labs?)(?![\w])",
    re.IGNORECASE,
)
STRONG_LEGAL_FORMS = re.compile(
    r"(?<![\w])(gmbh|ag|kg|inc\.?|llc|ltd\.?|limited|plc|corp\.?|corporation|pty|"
    r"s\.\s?a\.?|s\.\s?l\.?|sas|sarl|s\.p\.a\.?|s\.r\.l\.?|b\.v\.?|n\.v\.?|oy|a/s)(?![\w])",
    re.IGNORECASE,
)
TITLE_WORDS = [
    # English
    "manager", "director", "head", "chief", "officer", "ceo", "cto", "cfo", "coo", "cmo",
    "cio", "vp", "vice president", "president", "founder", "owner", "partner", "engineer",
    "developer", "architect", "consultant", "advisor", "adviser", "analyst", "specialist",
    "coordinator", "representative", "executive", "assistant", "associate", "lead",
    "sales", "marketing", "account", "buyer", "purchasing", "procurement", "operations",
    "designer", "administrator", "secretary", "treasurer", "principal", "supervisor",
    "agent", "broker", "attorney", "lawyer", "accountant", "controller", "technician",
    "senior", "junior", "intern", "chairman", "chairwoman", "board", "team",
    # German (compounds: matched as substrings)
    "leiter", "leiterin", "führer", "führerin", "geschäftsführ", "vertrieb", "einkauf",
    "berater", "beraterin", "ingenieur", "referent", "sachbearbeiter", "vorstand",
    "inhaber", "prokurist", "managerin", "assistentin", "entwickler", "verkauf", "technisch",
    # French
    "directeur", "directrice", "responsable", "ingénieur", "chef de", "chargé", "chargée",
    "commercial", "commerciale", "gérant", "gérante", "président", "présidente",
    "conseiller", "conseillère", "acheteur", "acheteuse", "fondateur", "fondatrice",
    # Spanish
    "director", "directora", "gerente", "jefe", "jefa", "ejecutivo", "ejecutiva",
    "consultor", "consultora", "ingeniero", "ingeniera", "responsable", "comercial",
    "presidente", "presidenta", "fundador", "fundadora", "asesor", "asesora", "ventas",
    "compras", "proyectos", "coordinador", "coordinadora", "socio", "socia",
]
TITLE_RE = re.compile(
    r"(?<![\w])(" + "|".join(re.escape(w) for w in TITLE_WORDS if " " in w or len(w) <= 4)
    + r")(?![\w])", re.IGNORECASE,
)
TITLE_STEMS = [w for w in TITLE_WORDS if " " not in w and len(w) > 4]
NAME_PREFIXES = re.compile(
    r"^(dr\.?|prof\.?|mr\.?|mrs\.?|ms\.?|miss|herr|frau|m\.|mme\.?|mlle\.?|sr\.?|sra\.?|"
    r"srta\.?|dipl\.?-?\s?ing\.?|ing\.?|mag\.?)\s+",
    re.IGNORECASE,
)
NAME_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la",
                  "le", "dos", "das", "y", "bin", "ibn", "al", "mac", "st.", "ter", "zu"}
STREET_WORDS = re.compile(
    r"(?<![\w])(street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|"
    r"dr\.|way|place|pl\.?|plaza|square|sq\.?|court|ct\.?|terrace|parkway|pkwy|highway|hwy|"
    r"suite|ste\.?|floor|fl\.?|building|bldg|unit|p\.?\s?o\.?\s?box|po box|"
    r"rue|avenue|chemin|allée|allee|place|quai|cours|impasse|route|bd|"
    r"calle|c/|avenida|avda\.?|av\.|paseo|passeig|carrer|plaza|camino|ronda|travesía|"
    r"via|viale|piazza|corso|postfach|apartado|bp|cedex)(?![\w])"
    r"|(straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|markt|kai)\b",
    re.IGNORECASE,
)
COUNTRIES = {
    # name as printed -> kept as printed; lookup is case- and accent-insensitive
    "usa", "u.s.a.", "us", "united states", "united states of america", "canada",
    "united kingdom", "uk", "u.k.", "great britain", "england", "scotland", "wales",
    "ireland", "australia", "new zealand", "germany", "deutschland", "austria", "österreich",
    "switzerland", "schweiz", "suisse", "svizzera", "france", "belgium", "belgique", "belgië",
    "netherlands", "nederland", "luxembourg", "spain", "españa", "espana", "portugal", "italy",
    "italia", "mexico", "méxico", "chile", "argentina", "colombia", "perú", "peru",
    "brasil", "brazil", "sweden", "sverige", "norway", "norge", "denmark", "danmark",
    "finland", "suomi", "poland", "polska", "czech republic", "czechia", "india", "japan",
    "china", "singapore", "south africa", "allemagne", "espagne", "alemania", "francia",
    "reino unido", "estados unidos", "états-unis", "royaume-uni", "frankreich", "spanien",
}
NA_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR",
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
    "NSW", "VIC", "QLD", "SA", "TAS", "ACT",
}

MOBILE_LABELS = {"mobile", "mob", "mobil", "mobiltelefon", "cell", "cellular", "cel", "handy",
                 "móvil", "movil", "portable", "port", "gsm", "m", "c", "natel", "celular"}
FAX_LABELS = {"fax", "telefax", "f", "télécopie", "telecopie", "fx"}
PHONE_LABELS = {"tel", "tél", "tel.", "phone", "telephone", "téléphone", "teléfono", "telefono",
                "telefon", "fon", "office", "direct", "t", "p", "o", "d", "work", "bureau",
                "fijo", "ph", "durchwahl", "zentrale", "standard", "main"}
# Country calling code + leading digits of mobile numbers (after the country code).
MOBILE_PREFIXES = {
    "49": ("15", "16", "17"), "43": ("6",), "44": ("7",), "33": ("6", "7"), "34": ("6", "7"),
    "41": ("7",), "353": ("8",), "61": ("4",), "56": ("9",), "39": ("3",), "31": ("6",),
    "32": ("4",), "351": ("9",), "52": ("1",), "45": (), "46": ("7",), "47": ("4", "9"),
}
DOMESTIC_MOBILE = re.compile(r"^0(1[5-7]|6|7[0-9]{2})")  # 015x/016x/017x (DE), 06/07 (FR)

EMAIL_RE = re.compile(
    r"[\w%+\-]+(?:\s?[.\-_]\s?[\w%+\-]+)*\s?(?:@|\(at\)|\[at\]|©|®)\s?"
    r"[\w\-]+(?:\s?\.\s?[\w\-]+)*\s?\.\s?[a-z]{2,12}\b",
    re.IGNORECASE,
)
TLDS = (
    "com|net|org|info|biz|io|co|ai|app|dev|studio|design|agency|tech|online|shop|store|eu|"
    "de|at|ch|fr|be|lu|nl|es|pt|it|uk|ie|us|ca|mx|cl|ar|br|au|nz|se|no|dk|fi|pl|cz|in|jp|"
    "cn|sg|za|cat|gal|eus"
)
WEB_RE = re.compile(
    r"(?:(?:https?\s?:\s?//\s?)?www\s?\.\s?|https?\s?:\s?//\s?)?"
    r"(?<![@\w.])[a-z0-9][a-z0-9\-]*(?:\s?\.\s?[a-z0-9\-]+)*\s?\.\s?(?:" + TLDS + r")"
    r"(?![\w\-])(?:/[\w\-./%?=&#]*)?",
    re.IGNORECASE,
)
PHONE_RE = re.compile(r"(?:\+|00)?\s?\(?\s?\d[\d\s().\-/]{5,}\d")
LABEL_BEFORE_RE = re.compile(r"([A-Za-zÀ-ÿ]+)\.?\s*[:.]?\s*$")

US_CITY_RE = re.compile(
    r"^(?P<city>[^\d,]{2,}?),?\s+(?P<state>[A-Z]{2,3})\.?,?\s+"
    r"(?P<postal>\d{5}(?:-\d{4})?|\d{4}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$"
)
UK_CITY_RE = re.compile(
    r"^(?P<city>[^\d,]{2,}?),?\s+"
    r"(?P<postal>[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z][\dO]{2}\s?[A-Z\d]{4})$"
)
EU_CITY_RE = re.compile(
    r"^(?:(?P<cc>[A-Z]{1,3})\s?-\s?)?(?P<postal>\d{5}|\d{4}|\d{7}|\d{2}-\d{3}|\d{3}\s\d{2})"
    r"\s+(?P<city>[^\d,]{2,}?)(?:\s+cedex(?:\s+\d+)?)?$",
    re.IGNORECASE,
)


# --- helpers --------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lowercase ASCII letters and digits only: 'Schäfer' -> 'schafer'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def fold_de(text: str) -> str:
    """German transliteration as people type it in e-mail addresses: 'Schäfer' -> 'schaefer'."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe",
                           "Ü": "ue"})
    return fold(text.translate(table))


def clean_line(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"[\u2010-\u2013]", "-", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" |¦•·*_~=;,")


def split_segments(text: str) -> list[str]:
    """Cards often print several items on one line: 'T 030 123 | M 0171 456'."""
    parts = re.split(r"\s+[|¦•·]\s+|\s[|¦]|[|¦]\s|\s{3,}|\s+[–—]\s+", text)
    return [p for p in (clean_line(p) for p in parts) if p]


def normalize_email(raw: str) -> str:
    value = re.sub(r"\s+", "", raw)
    value = re.sub(r"\(at\)|\[at\]|©|®", "@", value, flags=re.IGNORECASE)
    local, _, domain = value.partition("@")
    return f"{local}@{domain.lower()}".strip(".")


def normalize_website(raw: str) -> str:
    value = re.sub(r"\s+", "", raw).rstrip(".,;/")
    if value.lower().startswith(("http:", "https:")):
        return value
    return value.lower()


def tidy_phone(raw: str) -> str:
    value = re.sub(r"\s+", " ", raw).strip(" .-/")
    value = re.sub(r"\(\s+", "(", value)
    value = re.sub(r"\s+\)", ")", value)
    if value.count("(") != value.count(")"):
        value = value.replace("(", "").replace(")", "").strip()
    return value


def phone_digits(value: str) -> str:
    """Canonical form for comparing numbers: '+', then digits; a leading 00 means '+'."""
    value = re.sub(r"\(0\)", "", value)
    digits = re.sub(r"\D", "", value)
    if value.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def is_mobile_number(number: str) -> bool | None:
    """True/False when the numbering plan tells; None when it cannot (e.g. North America)."""
    canonical = phone_digits(number)
    if canonical.startswith("+"):
        digits = canonical[1:]
        for code in sorted(MOBILE_PREFIXES, key=len, reverse=True):
            if digits.startswith(code):
                rest = digits[len(code):]
                prefixes = MOBILE_PREFIXES[code]
                return any(rest.startswith(p) for p in prefixes) if prefixes else None
        return None
    if DOMESTIC_MOBILE.match(canonical):
        return True
    return None


def label_kind(label: str) -> str | None:
    words = [w for w in re.split(r"[^\wÀ-ÿ]+", label.lower()) if w]
    for word in reversed(words):
        if word in FAX_LABELS:
            return "fax"
        if word in MOBILE_LABELS:
            return "mobile"
        if word in PHONE_LABELS or word.startswith(("tel", "tél", "phone", "telef")):
            return "business"
    return None


def has_title_words(text: str) -> int:
    lowered = text.lower()
    hits = len(TITLE_RE.findall(text))
    hits += sum(1 for stem in TITLE_STEMS if stem in lowered)
    return hits


def looks_like_street(text: str) -> bool:
    if STREET_WORDS.search(text):
        return True
    # "Am Sandtorkai 12", "12 Grafton" : a number next to words, no long digit runs
    return bool(re.match(r"^\d{1,5}[a-zA-Z]?\s+\D{3,}$|^\D{3,}\s\d{1,5}[a-zA-Z]?$", text))


def is_country(text: str) -> bool:
    key = text.lower().strip(" .")
    return key in COUNTRIES or fold(text) in {fold(c) for c in COUNTRIES}


def letters_ratio(text: str) -> float:
    if not text:
        return 0.0
    return sum(ch.isalpha() for ch in text) / len(text.replace(" ", "")) if text.strip() else 0


# --- the parser ------------------------------------------------------------------------------------

@dataclass
class _Item:
    text: str
    confidence: float
    height: int
    index: int  # position in reading order
    used: bool = False


def _as_lines(source: str | Sequence[OcrLine]) -> list[OcrLine]:
    if isinstance(source, str):
        return [OcrLine(text=t) for t in source.splitlines()]
    return list(source)


def _items(lines: Iterable[OcrLine]) -> list[_Item]:
    items: list[_Item] = []
    for line in lines:
        text = clean_line(line.text)
        if not text or not re.search(r"[\w@]", text):
            continue
        for segment in split_segments(text):
            # Drop OCR crumbs (a speck read as "'" or "—").
            if len(fold(segment)) < 2 and "@" not in segment:
                continue
            items.append(_Item(segment, line.confidence, line.height, len(items)))
    return items


def _weight(rule: float, item: _Item) -> float:
    """Confidence = how sure the rule is x how sure OCR was of the characters."""
    return rule * (0.55 + 0.45 * max(0.0, min(1.0, item.confidence)))


def parse_card(source: str | Sequence[OcrLine]) -> ParsedCard:
    """Turn a card's text into fields; see the module docstring for the order of the rules."""
    card = ParsedCard()
    items = _items(_as_lines(source))
    _take_emails(items, card)
    _take_websites(items, card)
    _take_address(items, card)
    _take_phones(items, card)
    _take_people(items, card)
    card.unused_lines = [it.text for it in items if not it.used]
    return card


def _take_emails(items: list[_Item], card: ParsedCard) -> None:
    for item in items:
        found = list(EMAIL_RE.finditer(item.text))
        if not found:
            continue
        for match in found:
            email = normalize_email(match.group(0))
            if email not in card.emails:
                card.emails.append(email)
                if not card.fields["email"]:
                    rule = 0.97 if " " not in match.group(0).strip() else 0.85
                    card.set("email", email, _weight(rule, item))
        rest = EMAIL_RE.sub(" ", item.text)
        rest = re.sub(r"(?i)\b(e-?mail|email|mail|courriel|correo(\s+electr[oó]nico)?|e)\b\s*[:.]?",
                      " ", rest)
        item.text = clean_line(rest)
        item.used = not re.search(r"\w{2,}", item.text)


def _take_websites(items: list[_Item], card: ParsedCard) -> None:
    email_domains = {e.partition("@")[2] for e in card.emails}
    best = None
    for item in items:
        if item.used:
            continue
        for match in WEB_RE.finditer(item.text):
            raw = match.group(0)
            site = normalize_website(raw)
            bare = re.sub(r"^(https?://)?(www\.)?", "", site.lower())
            if not re.search(r"[a-z]", bare.split(".")[0]):
                continue
            explicit = bool(re.match(r"(?i)(https?|www)", raw.strip()))
            labelled = bool(re.search(r"(?i)\b(web|www|site|internet|url|homepage)\b",
                                      item.text[: match.start()]))
            rule = 0.95 if explicit or labelled else 0.75
            if bare in email_domains:
                rule = max(rule, 0.9)
            rest = clean_line(item.text[: match.start()] + " " + item.text[match.end():])
            rest = re.sub(r"(?i)\b(web(site)?|internet|url|homepage|site|w)\b\s*[:.]?", " ", rest)
            # A bare domain inside a longer sentence ("Müller Maschinenbau.de"?) is doubtful.
            if fold(rest) and not explicit and not labelled and len(fold(rest)) > 3:
                rule -= 0.3
            if best is None or rule > best[0]:
                best = (rule, site, item)
            item.text = clean_line(rest)
            item.used = not re.search(r"\w{2,}", item.text)
            break
    if best:
        card.set("website", best[1], _weight(best[0], best[2]))


def _match_city(text: str):
    """(kind, match) for a postal-code-and-city line, else None."""
    if STREET_WORDS.search(text) and not re.match(r"^\d{5}\s", text):
        # "1200 Market Street" has a 4-digit number and a street word: a street, not a city.
        us = US_CITY_RE.match(text)
        if not (us and us.group("state") in NA_STATES and not STREET_WORDS.search(
                us.group("city"))):
            return None
    match = US_CITY_RE.match(text)
    if match and match.group("state") in NA_STATES:
        return "na", match
    match = UK_CITY_RE.match(text)
    if match and not has_title_words(match.group("city")):
        return "uk", match
    match = EU_CITY_RE.match(text)
    if match and letters_ratio(match.group("city")) > 0.8:
        return "eu", match
    return None


def _expand_address_lines(items: list[_Item]) -> list[_Item]:
    """Split one-line addresses ('221 Baker Street, London NW1 6XE, UK') into segments."""
    result: list[_Item] = []
    for item in items:
        if item.used or "," not in item.text:
            result.append(item)
            continue
        parts = [p.strip() for p in item.text.split(",") if p.strip()]
        pieces: list[str] = []
        i = 0
        while i < len(parts):
            # "San Francisco, CA 94103": a US city line has its own comma; glue it back.
            if i + 1 < len(parts) and _match_city(f"{parts[i]}, {parts[i + 1]}") and \
                    _match_city(f"{parts[i]}, {parts[i + 1]}")[0] == "na":
                pieces.append(f"{parts[i]}, {parts[i + 1]}")
                i += 2
                continue
            pieces.append(parts[i])
            i += 1
        if len(pieces) > 1 and any(_match_city(p) for p in pieces) and not any(
                _match_city(item.text) and _match_city(item.text)[0] == "na" for _ in [0]):
            for piece in pieces:
                result.append(_Item(piece, item.confidence, item.height, item.index))
        else:
            result.append(item)
    return result


def _take_address(items: list[_Item], card: ParsedCard) -> None:
    expanded = _expand_address_lines(items)
    items[:] = expanded
    for position, item in enumerate(items):
        if item.used:
            continue
        found = _match_city(item.text)
        if not found:
            continue
        kind, match = found
        city = match.group("city").strip(" ,.")
        card.set("city", city, _weight(0.9, item))
        postal = match.group("postal").upper()
        if kind == "uk" and re.match(r"^[A-Z][\dO]{2}\s", postal):  # Eircode: OCR reads 0 as O
            postal = postal[0] + postal[1:3].replace("O", "0") + postal[3:]
        card.set("postal_code", postal, _weight(0.92, item))
        if kind == "na":
            card.set("state", match.group("state"), _weight(0.9, item))
        item.used = True
        # Street: the line(s) just before, when they look like one.
        street_parts: list[str] = []
        back = position - 1
        while back >= 0 and len(street_parts) < 2:
            before = items[back]
            if before.used or not looks_like_street(before.text) or STRONG_LEGAL_FORMS.search(
                    before.text) or (has_title_words(before.text)
                                     and not STREET_WORDS.search(before.text)):
                break
            street_parts.insert(0, before.text)
            before.used = True
            back -= 1
        if street_parts:
            strong = any(STREET_WORDS.search(p) for p in street_parts)
            card.set("street", ", ".join(street_parts),
                     _weight(0.88 if strong else 0.7, items[position - 1]))
        # Country: the next line, or the end of a one-line address.
        for after in items[position + 1: position + 3]:
            if not after.used and is_country(after.text):
                card.set("country", after.text.strip(" ."), _weight(0.95, after))
                after.used = True
                break
        break
    if not card.fields["country"]:
        for item in items:
            if not item.used and is_country(item.text):
                card.set("country", item.text.strip(" ."), _weight(0.8, item))
                item.used = True
                break


def _take_phones(items: list[_Item], card: ParsedCard) -> None:
    unlabelled: list[tuple[str, _Item]] = []
    for item in items:
        if item.used:
            continue
        text = item.text
        position = 0
        consumed = False
        for match in PHONE_RE.finditer(text):
            number = tidy_phone(match.group(0))
            digits = re.sub(r"\D", "", number)
            if not 7 <= len(digits) <= 16:
                continue
            label = text[position: match.start()]
            position = match.end()
            kind = label_kind(label)
            consumed = True
            if kind is None:
                unlabelled.append((number, item))
                continue
            target = {"business": "business_phone", "mobile": "mobile_phone",
                      "fax": "fax"}[kind]
            if not card.fields[target]:
                card.set(target, number, _weight(0.95, item))
            elif kind == "business" and not card.fields["mobile_phone"] and is_mobile_number(
                    number):
                card.set("mobile_phone", number, _weight(0.7, item))
        if consumed:
            rest = PHONE_RE.sub(" ", text)
            item.used = not re.search(r"[A-Za-zÀ-ÿ]{4,}", rest) or bool(label_kind(rest))
    for number, item in unlabelled:
        mobile = is_mobile_number(number)
        if mobile and not card.fields["mobile_phone"]:
            card.set("mobile_phone", number, _weight(0.8, item))
        elif not card.fields["business_phone"] and not mobile:
            card.set("business_phone", number, _weight(0.75, item))
        elif not card.fields["mobile_phone"]:
            card.set("mobile_phone", number, _weight(0.5, item))
        elif not card.fields["fax"]:
            card.set("fax", number, _weight(0.35, item))


def _email_tokens(card: ParsedCard) -> tuple[set[str], str]:
    tokens: set[str] = set()
    domain_name = ""
    for email in card.emails[:1]:
        local, _, domain = email.partition("@")
        tokens |= {t for t in re.split(r"[._\-+]", local.lower()) if t}
        tokens.add(local.lower().replace(".", "").replace("_", "").replace("-", ""))
        domain_name = domain.split(".")[0]
    if card.fields["website"]:
        site = re.sub(r"^(https?://)?(www\.)?", "", card.fields["website"].lower())
        domain_name = domain_name or site.split(".")[0]
    return tokens, fold(domain_name)


def _name_score(item: _Item, tokens: set[str], local: str, tallest: int) -> float:
    text = NAME_PREFIXES.sub("", item.text)
    words = text.split()
    if not 2 <= len(words) <= 4 or re.search(r"[\d@/&]", text):
        return 0.0
    if letters_ratio(text) < 0.85 or STRONG_LEGAL_FORMS.search(text):
        return 0.0
    capitalised = sum(1 for w in words if w[0].isupper() or w.lower() in NAME_PARTICLES)
    if capitalised < len(words) or text.isupper() and len(words) > 3:
        return 0.0
    score = 0.45
    if has_title_words(text):
        score -= 0.35
    if LEGAL_FORMS.search(text):
        score -= 0.25
    folded = [fold(w) for w in words]
    folded_de = [fold_de(w) for w in words]
    hits = sum(1 for f, g in zip(folded, folded_de, strict=True)
               if f in tokens or g in tokens or (len(f) > 2 and (f in local or g in local)))
    if hits:
        score += 0.25 + 0.1 * min(hits, 2)
    elif tokens and any(t[:1] == folded[0][:1] for t in tokens if len(t) == 1):
        score += 0.1
    if tallest and item.height >= tallest * 0.9:
        score += 0.1
    return score


def _company_score(item: _Item, domain: str) -> float:
    text = item.text
    if re.search(r"@", text) or letters_ratio(text) < 0.6:
        return 0.0
    score = 0.0
    if STRONG_LEGAL_FORMS.search(text):
        score += 0.6
    elif LEGAL_FORMS.search(text):
        score += 0.35
    folded = fold(text)
    if domain and len(domain) >= 3:
        first = fold(text.split()[0]) if text.split() else ""
        if domain in folded or folded in domain or (len(first) >= 4 and first in domain):
            score += 0.35
    if has_title_words(text) and not STRONG_LEGAL_FORMS.search(text):
        score -= 0.3
    return score


def _take_people(items: list[_Item], card: ParsedCard) -> None:
    rest = [it for it in items if not it.used and re.search(r"[A-Za-zÀ-ÿ]{2,}", it.text)]
    if not rest:
        return
    tokens, domain = _email_tokens(card)
    local = "".join(sorted(tokens, key=len)[-1:]) if tokens else ""
    tallest = max((it.height for it in rest), default=0)

    scored = sorted(((_name_score(it, tokens, local, tallest), -it.index, it) for it in rest),
                    key=lambda s: (s[0], s[1]), reverse=True)
    name_item = None
    if scored and scored[0][0] >= 0.3:
        score, _, name_item = scored[0]
        name_item.used = True
        _set_name(card, name_item, min(0.97, score + 0.25))

    remaining = [it for it in rest if not it.used]
    companies = sorted(((_company_score(it, domain), -it.index, it) for it in remaining),
                       key=lambda s: (s[0], s[1]), reverse=True)
    company_item = None
    if companies and companies[0][0] >= 0.3:
        score, _, company_item = companies[0]
        company_item.used = True
        card.set("company", company_item.text, _weight(min(0.95, 0.5 + score), company_item))

    remaining = [it for it in rest if not it.used]
    titles = sorted(((has_title_words(it.text), -abs(it.index - (name_item.index if name_item
                                                                  else 0)), it)
                     for it in remaining), key=lambda s: (s[0], s[1]), reverse=True)
    title_item = None
    if titles and titles[0][0] > 0:
        title_item = titles[0][2]
        title_item.used = True
        card.set("job_title", title_item.text, _weight(0.85, title_item))
    elif name_item is not None:
        # No keyword: the line right under the name is the title on most cards.
        below = [it for it in remaining if it.index == name_item.index + 1]
        if below and not LEGAL_FORMS.search(below[0].text):
            title_item = below[0]
            title_item.used = True
            card.set("job_title", title_item.text, _weight(0.45, title_item))

    if company_item is None:
        remaining = [it for it in rest if not it.used and letters_ratio(it.text) > 0.6]
        if remaining:
            # The biggest remaining text, else the first line: usually the company's name.
            pick = max(remaining, key=lambda it: (it.height, -it.index))
            pick.used = True
            card.set("company", pick.text, _weight(0.45, pick))


def _set_name(card: ParsedCard, item: _Item, confidence: float) -> None:
    text = NAME_PREFIXES.sub("", item.text).strip()
    words = text.split()
    if len(words) == 1:
        card.set("last_name", words[0], _weight(confidence - 0.2, item))
        return
    first, last = words[0], " ".join(words[1:])
    # "Jan van der Berg": the particles belong to the last name, which is already the case;
    # "Mary Ann Smith" cannot be told from "José García López" without a name list.
    card.set("first_name", first, _weight(confidence, item))
    card.set("last_name", last, _weight(confidence - (0.1 if len(words) > 2 else 0), item))


# --- language --------------------------------------------------------------------------------------

LANGUAGE_CUES = {
    "deu": (r"\b(gmbh|ag|kg|str\.|straße|strasse|telefon|mobil|handy|deutschland|österreich|"
            r"schweiz|geschäfts\w*|\w+leiter(in)?|vertrieb|einkauf)\b|\+4[139]\b|\.(de|at)\b"),
    "fra": (r"\b(sarl|sas|rue|avenue|boulevard|tél|portable|courriel|directeur|directrice|"
            r"responsable|ingénieur|france|suisse|belgique|cedex)\b|\+3[23]\b|\.fr\b"),
    "spa": (r"\b(s\.l\.|s\.a\.|calle|avda|avenida|paseo|passeig|plaza|móvil|movil|teléfono|"
            r"españa|espana|méxico|chile|gerente|jefe|jefa|director de|ventas)\b"
            r"|\+3[4]\b|\+5[1-8]\b|\.(es|cl|mx|ar|co)\b"),
}


def guess_language(text: str) -> str:
    """The card's main language as a Tesseract code ("eng" when nothing else stands out).

    Tesseract reads accents best when the card's own language comes first: with English first
    "Jürgen" comes back as "Jurgen", with German first Spanish "Lucía" becomes "Lucïa".
    """
    lowered = text.lower()
    scores = {lang: len(re.findall(pattern, lowered)) for lang, pattern in LANGUAGE_CUES.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] >= 2 else "eng"
