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

from crm.common import matching

from . import addresses, gazetteer, phones
from .phones import e164  # noqa: F401  (re-exported: the accuracy measurement compares E.164)

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
    printed: dict[str, str] = field(default_factory=dict)  # phone field -> as printed
    region: str = ""  # the card's country (ISO code) as far as the parser could tell
    repairs: list[str] = field(default_factory=list)  # cross-field corrections made
    email_prefix: str = ""  # the word printed right before the e-mail address

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
    lines = _as_lines(source)
    items = _items(lines)
    region = guess_region("\n".join(clean_line(line.text) for line in lines))
    card.region = region or ""
    _take_emails(items, card)
    _take_websites(items, card)
    _take_address(items, card, region)
    _take_phones(items, card, region)
    _take_people(items, card)
    repair_card(card)
    card.unused_lines = [it.text for it in items if not it.used]
    return card


EMAIL_LABEL = r"(?:e-?mail|email|mail|courriel|correo(?:\s+electr[oó]nico)?|e)"
LABELLED_EMAIL_RE = re.compile(
    r"(?i)^" + EMAIL_LABEL + r"\s*[:.]?\s*(?P<local>[\w\-+]+(?:\s?\.\s?[\w\-+]+)*)"
    r"\s*[^\w\s.]?\s+"
    r"(?P<domain>[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:" + TLDS + r"))$")
SHORT_TLDS = r"(?:com|net|org|io|de|at|ch|fr|es|in|ca|uk|au|ie|it|nl|be)"


def _fix_domain_dots(text: str) -> str:
    """OCR drops or spaces the dots of a domain: 'www loire-emballages. fr' ->
    'www.loire-emballages.fr', 'x@northwind com' -> 'x@northwind.com'."""
    if not re.search(r"(?i)@|www|\b(e-?mail|courriel|correo|web)\b", text):
        return text
    text = re.sub(r"(?i)\bwww\s*[.,]?\s+(?=[a-z0-9])", "www.", text)
    text = re.sub(r"(?i)([a-z0-9\-])\s?[.,]?\s(" + SHORT_TLDS + r")\b(?=\s*$|\.)",
                  r"\1.\2", text)
    text = re.sub(r"(?i)([a-z0-9\-])\s?[.,]\s?(" + SHORT_TLDS + r")\b(?=\s*$|\.)",
                  r"\1.\2", text)
    return re.sub(r"\s?@\s?", "@", text)


def _take_emails(items: list[_Item], card: ParsedCard) -> None:
    for item in items:
        item.text = _fix_domain_dots(item.text)
        found = list(EMAIL_RE.finditer(item.text))
        if not found:
            labelled = LABELLED_EMAIL_RE.match(item.text)
            if labelled and not card.fields["email"]:
                # "Correo: alvaro castilla-logistica.es": the "@" was not read.
                local = re.sub(r"\s+", "", labelled.group("local"))
                email = f"{local}@{labelled.group('domain').lower()}"
                card.emails.append(email)
                card.set("email", email, _weight(0.6, item))
                item.used = True
            continue
        for match in found:
            email = normalize_email(match.group(0))
            if email not in card.emails:
                card.emails.append(email)
                if not card.fields["email"]:
                    rule = 0.97 if " " not in match.group(0).strip() else 0.85
                    card.set("email", email, _weight(rule, item))
                    # The word just before, in case OCR lost the dot between first and last
                    # name ("camille lefevre@…"): the name, once known, decides.
                    before = re.search(r"([A-Za-z]{2,})\s+$", item.text[: match.start()])
                    card.email_prefix = before.group(1).lower() if before else ""
        rest = EMAIL_RE.sub(" ", item.text)
        rest = re.sub(r"(?i)\b(e-?mail|email|mail|courriel|correo(\s+electr[oó]nico)?|e)\b\s*[:.]?",
                      " ", rest)
        item.text = clean_line(rest)
        item.used = not re.search(r"\w{2,}", item.text)


def _take_websites(items: list[_Item], card: ParsedCard) -> None:
    for item in items:
        if not item.used:
            item.text = _fix_domain_dots(item.text)
    if not card.fields["email"]:
        _rescue_email(items, card)
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


def _rescue_email(items: list[_Item], card: ParsedCard) -> None:
    """'hpemberton castleford-data.co.uk' next to 'www.castleford-data.co.uk': the '@' of the
    e-mail address was lost, and the web site's domain tells where the address ends."""
    domains = set()
    for item in items:
        for match in re.finditer(r"(?i)www\.([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)", item.text):
            domains.add(match.group(1).lower().rstrip("."))
    for domain in sorted(domains, key=len, reverse=True):
        pattern = re.compile(r"(?i)^(?P<local>[a-z0-9][\w.\-+]*?)\s*[^\w\s.]?\s+"
                             + re.escape(domain) + r"$")
        for item in items:
            if item.used or "www" in item.text.lower():
                continue
            text = re.sub(r"(?i)^" + EMAIL_LABEL + r"\s*[:.]?\s*", "", item.text)
            match = pattern.search(text)
            if match and len(match.group("local")) >= 2:
                email = f"{match.group('local')}@{domain}"
                card.emails.append(email)
                card.set("email", email, _weight(0.55, item))
                item.used = True
                return


# --- region ----------------------------------------------------------------------------------

# Country names -> ISO region: one table with the phone keys (crm.common.matching).
COUNTRY_REGIONS = matching.COUNTRY_REGIONS
TLD_REGIONS = {
    "co.uk": "GB", "uk": "GB", "com.au": "AU", "au": "AU", "ca": "CA", "in": "IN", "co.in": "IN",
    "de": "DE", "at": "AT", "ch": "CH", "fr": "FR", "es": "ES", "ie": "IE", "it": "IT",
    "nl": "NL", "be": "BE", "mx": "MX", "cl": "CL", "pt": "PT", "us": "US",
}


def guess_region(text: str) -> str | None:
    """The card's country as an ISO code, from the surest clue that is printed on it."""
    for line in text.splitlines():
        for part in re.split(r"[,|·]", line):
            region = COUNTRY_REGIONS.get(fold(part))
            if region and len(part.strip()) >= 2:
                return region
    for match in PHONE_RE.finditer(text):
        # A number written with its country code ("+49 30 …", "0049 30 …") names the country.
        raw = match.group(0).strip()
        if raw.startswith(("+", "00")):
            number = phones.parse_phone(raw)
            if number is not None:
                import phonenumbers

                region = phonenumbers.region_code_for_number(number)
                if region and region != "ZZ":
                    return region
    for host in re.findall(r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.([a-z]{2,3}(?:\.[a-z]{2})?)\b",
                           text.lower()):
        if host in TLD_REGIONS:
            return TLD_REGIONS[host]
        last = host.rsplit(".", 1)[-1]
        if last in TLD_REGIONS:
            return TLD_REGIONS[last]
    for line in text.splitlines():
        found = addresses.match_city_line(clean_line(line))
        if found and found.kind != "EU":
            return found.kind
        if found:
            # "10117 Berlin": a continental postal code; the card's language tells the country.
            lowered = text.lower()
            scores = {lang: len(re.findall(pattern, lowered))
                      for lang, pattern in LANGUAGE_CUES.items()}
            best = max(scores, key=scores.get)
            if scores[best]:
                return {"deu": "DE", "fra": "FR", "spa": "ES"}[best]
    return None


# --- address ---------------------------------------------------------------------------------

ADDRESS_WORDS = re.compile(
    r"(?<![\w])(floor|level|tower|towers|complex|block|plot|sector|phase|unit|suite|office|"
    r"building|bldg|marg|nagar|salai|road|naka|east|west|north|south|ne|nw|se|sw|city|"
    r"etage|étage|piso|planta|stock|og|eg|no\.?|nr\.?|box|cedex|area|park|estate|"
    r"\d+(?:st|nd|rd|th))(?![\w])", re.IGNORECASE)
ORDINAL_FLOOR = re.compile(r"(?i)^\d+(st|nd|rd|th)\s+floor")


KIND_REGIONS = {"US": "US", "CA": "CA", "AU": "AU", "GB": "GB", "IE": "IE", "IN": "IN"}


def country_text(text: str) -> str:
    """The country as printed, without OCR crumbs around it (': France', 'Spain ;')."""
    text = re.sub(r"^[^\wÀ-ÿ]+|[^\wÀ-ÿ]+$", "", text.strip()).strip()
    return text.title() if text.islower() and len(text) > 3 else text  # "india" -> "India"


def street_text(text: str) -> str:
    """The street without OCR crumbs at its ends ('Prager Straße 10:') and with the ß that
    OCR reads as 8 or B ('Friedrichstra8e 123')."""
    text = re.sub(r"(?<=[a-zäöü])(stra|Stra)[8B]e\b", r"\1ße", text)
    return re.sub(r"^[^\wÀ-ÿ]+|[\s:;,|·•_~=\-]+$", "", text)


def _match_city(text: str, region: str | None = None):
    """A postal-code-and-city line, else None. A street ("1200 Market Street") is no city."""
    found = addresses.match_city_line(text, region)
    if found is None or not found.city:
        return None
    if STREET_WORDS.search(found.city) and found.kind in ("EU", "IN") and not re.search(
            r"(?i)cedex", text):
        # "1200 Market Street" read as postal code 1200 + city "Market Street".
        return None
    if has_title_words(found.city) and found.kind in ("GB", "IE", "EU", "IN"):
        return None
    return found


def _address_part(text: str) -> bool:
    """A line that can be part of a street address (above the city line)."""
    if has_title_words(text) and not (STREET_WORDS.search(text) or ADDRESS_WORDS.search(text)):
        return False
    if STRONG_LEGAL_FORMS.search(text) or "@" in text or (
            ":" in text and label_kind(text.split(":")[0])):
        return False
    if any(len(re.sub(r"\D", "", m.group(0))) >= 7 for m in PHONE_RE.finditer(text)):
        return False
    return bool(looks_like_street(text) or ADDRESS_WORDS.search(text) or re.search(r"\d", text))


def _split_address_line(item: _Item, region) -> list[_Item] | None:
    """'Level 12, 50 Pitt Street, Sydney NSW 2000, Australia' -> its parts, when one of them is
    a city line."""
    # OCR reads a middle dot as "-" or "." between spaces.
    parts = [p.strip() for p in re.split(r"\s*[,·|•]\s*|\s+[-–—.]\s+", item.text) if p.strip()]
    if not any(_match_city(p, region) for p in parts) and not any(
            # "Kolkata, West Bengal 700091": the city line itself holds a comma.
            _match_city(f"{a}, {b}", region) for a, b in zip(parts, parts[1:], strict=False)):
        parts = _split_without_separators(item.text, region) or parts
    if len(parts) < 2:
        return None
    pieces: list[str] = []
    i = 0
    found = False
    while i < len(parts):
        # "San Francisco, CA 94103", "Bengaluru, Karnataka 560001", "Mumbai - 400051": glue
        # the city line back together.
        glued = None
        alone = _match_city(parts[i + 1], region) if i + 1 < len(parts) else None
        if i + 1 < len(parts) and (alone is None or not alone.city):
            for joiner, kinds in ((", ", ("US", "CA", "AU", "IN")), (" - ", ("IN",))):
                city = _match_city(f"{parts[i]}{joiner}{parts[i + 1]}", region)
                if city and city.kind in kinds:
                    glued = f"{parts[i]}{joiner}{parts[i + 1]}"
                    break
        if glued:
            pieces.append(glued)
            found = True
            i += 2
            continue
        if _match_city(parts[i], region) or addresses.uk_postcode_alone(parts[i]):
            found = True
        pieces.append(parts[i])
        i += 1
    if not found:
        return None
    return [_Item(p, item.confidence, item.height, item.index) for p in pieces]


def _split_without_separators(text: str, region) -> list[str] | None:
    """The separators were not read at all: 'Calle de Alcalá 45 28014 Madrid Spain',
    '233 Peachtree Street NE Atlanta, GA 30303'. Tries each word boundary for a street on
    the left and a city line (then perhaps a country) on the right."""
    words = text.split()
    n = len(words)
    if n > 16:
        return None
    candidates = []
    for k in range(1, n):
        left = " ".join(words[:k]).strip(" ,.-")
        if not re.search(r"\d", left) or not looks_like_street(left):
            continue
        last = words[k - 1].strip(" ,.-")
        # A street ends with its number or a street word ("Market Street | San Francisco").
        ends_well = bool(re.fullmatch(r"\d+[a-zA-Z]?", last) or STREET_WORDS.fullmatch(last)
                         or ADDRESS_WORDS.fullmatch(last))
        for end in range(n, max(k, n - 3), -1):
            right = " ".join(words[k:end]).strip(" ,.-")
            tail = " ".join(words[end:]).strip(" ,.-·|")
            if (not tail or is_country(tail)) and _match_city(right, region):
                candidates.append((not ends_well, -k, [p for p in (left, right, tail) if p]))
                break
    return min(candidates)[2] if candidates else None


def _take_address(items: list[_Item], card: ParsedCard, region: str | None) -> None:
    expanded: list[_Item] = []
    for item in items:
        parts = None if item.used or _match_city(item.text, region) else _split_address_line(
            item, region)
        expanded.extend(parts or [item])
    items[:] = expanded
    for position, item in enumerate(items):
        if item.used:
            continue
        found = _match_city(item.text, region)
        city_position = position
        if not found:
            postal = addresses.uk_postcode_alone(item.text)
            before = items[position - 1] if position else None
            if postal and before is not None and not before.used and re.fullmatch(
                    r"[^\d,]{2,40}", before.text) and not has_title_words(before.text):
                found = addresses.CityLine("GB", before.text.strip(" ,."), postal)
                before.used = True
                city_position = position - 1
            else:
                continue
        city = found.city
        words = city.split()
        for size in (3, 2, 1):
            # "28014 Madrid. Spain": the separator before the country was read as a dot.
            tail = " ".join(words[-size:]).strip(" .,")
            if len(words) > size and is_country(tail):
                city = " ".join(words[:-size]).strip(" .,-")
                card.set("country", country_text(tail), _weight(0.85, item))
                break
        city = re.sub(r"^[^\wÀ-ÿ]+|[^\wÀ-ÿ.)]+$", "", city)  # "+ London": a crumb of OCR
        # "Melboume", "Malaga": checked against the gazetteer of the card's country.
        city = gazetteer.repair_city(city, region or KIND_REGIONS.get(found.kind))
        card.set("city", city, _weight(0.9, item))
        card.set("postal_code", found.postal.upper(), _weight(0.92, item))
        if found.state:
            state = gazetteer.repair_indian_state(found.state) if found.kind == "IN" else (
                found.state)
            card.set("state", state, _weight(0.9, item))
        item.used = True
        # Street: the line(s) just before, when they look like one.
        street_parts: list[str] = []
        back = city_position - 1
        street_lines: set[int] = set()
        while back >= 0 and len(street_parts) < 5:
            before = items[back]
            if len(street_lines) >= 3 and before.index not in street_lines:
                break  # up to three printed lines ("4th Floor, Tower B, …" on one is one)
            if before.used or not _address_part(before.text):
                break
            if street_parts and not (STREET_WORDS.search(before.text) or ADDRESS_WORDS.search(
                    before.text) or re.match(r"^\d", before.text)):
                break
            street_parts.insert(0, before.text)
            street_lines.add(before.index)
            before.used = True
            back -= 1
        if street_parts:
            strong = any(STREET_WORDS.search(p) or ADDRESS_WORDS.search(p)
                         for p in street_parts)
            # "Unit 4 - 12 Curtain Road": a middle dot read as a hyphen between two parts.
            street = re.sub(r"\s+[-–—·|•]\s+", ", ", ", ".join(street_parts))
            street = street_text(street)
            card.set("street", street,
                     _weight(0.88 if strong else 0.7, items[city_position - 1]))
        # State (India) and country: the next lines, or the end of a one-line address.
        for after in items[position + 1: position + 4]:
            if after.used:
                continue
            state = addresses.indian_state(after.text)
            if not state and (found.kind == "IN" or region == "IN"):
                repaired = gazetteer.repair_indian_state(after.text.strip(" ,."))
                state = repaired if repaired != after.text.strip(" ,.") else None
            if state and not card.fields["state"]:
                card.set("state", state, _weight(0.85, after))
                after.used = True
                continue
            if is_country(after.text):
                card.set("country", country_text(after.text), _weight(0.95, after))
                after.used = True
            break
        break
    if not card.fields["country"]:
        for item in items:
            if not item.used and is_country(item.text):
                card.set("country", country_text(item.text), _weight(0.8, item))
                item.used = True
                break


# --- phones ----------------------------------------------------------------------------------

def _take_phones(items: list[_Item], card: ParsedCard, region: str | None) -> None:
    """Every number through `phonenumbers`: E.164 stored, the printed form kept in
    `card.printed`, the type from the label or else from the numbering plan."""
    unlabelled: list[tuple[object, str, _Item]] = []

    def put(target: str, number, raw: str, rule: float, item: _Item) -> None:
        # Without a country to read a national number by, it is kept as printed.
        card.set(target, raw if number is None else phonenumbers_e164(number),
                 _weight(rule if number is not None else rule * 0.8, item))
        card.printed[target] = raw

    for item in items:
        if item.used:
            continue
        text = item.text
        position = 0
        consumed = False
        for match in PHONE_RE.finditer(text):
            raw = tidy_phone(match.group(0))
            digits = re.sub(r"\D", "", raw)
            if not 7 <= len(digits) <= 16:
                continue
            number = phones.parse_phone(raw, region or _nanp_region(raw))
            if number is None and (region or raw.lstrip().startswith(("+", "00"))):
                continue
            label = text[position: match.start()]
            position = match.end()
            kind = label_kind(label)
            consumed = True
            valid = number is not None and phones.is_valid(number)
            plan = _plan(number, raw)
            if kind is None:
                unlabelled.append((number, raw, item))
                continue
            target = {"business": "business_phone", "mobile": "mobile_phone", "fax": "fax"}[kind]
            rule = 0.95 if valid else 0.7
            if kind == "business" and plan == "mobile" and not card.fields["mobile_phone"] \
                    and not re.search(r"(?i)\b(office|direct|durchwahl|zentrale|bureau|fijo)",
                                      label):
                # "T +49 171 …": a mobile number under a generic phone label.
                target, rule = "mobile_phone", rule - 0.15
            if not card.fields[target]:
                put(target, number, raw, rule, item)
        if consumed:
            rest = PHONE_RE.sub(" ", text)
            item.used = not re.search(r"[A-Za-zÀ-ÿ]{4,}", rest) or bool(label_kind(rest))
    for number, raw, item in unlabelled:
        plan = _plan(number, raw)
        valid = number is not None and phones.is_valid(number)
        if plan == "mobile" and not card.fields["mobile_phone"]:
            put("mobile_phone", number, raw, 0.85 if valid else 0.6, item)
        elif plan != "mobile" and not card.fields["business_phone"]:
            put("business_phone", number, raw, (0.8 if plan else 0.75) if valid else 0.55,
                item)
        elif not card.fields["mobile_phone"]:
            put("mobile_phone", number, raw, 0.5, item)
        elif not card.fields["fax"]:
            put("fax", number, raw, 0.35, item)


NANP_RE = re.compile(r"^\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}$")


def _nanp_region(raw: str) -> str | None:
    """'(206) 555-0187' and '212.555.0147' are North American however the card is labelled."""
    return "US" if NANP_RE.match(raw.strip()) else None


def _plan(number, raw: str) -> str | None:
    """'mobile'/'landline' from the numbering plan (`phonenumbers.number_type`); None for a
    number that could not be read (a national number on a card naming no country)."""
    return phones.phone_kind(number) if number is not None else None


def phonenumbers_e164(number) -> str:
    import phonenumbers

    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    for item in rest:
        item.text = _capital_i(item.text, tokens)
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
        card.set("company", _strip_logo_crumbs(company_item.text),
                 _weight(min(0.95, 0.5 + score), company_item))

    remaining = [it for it in rest if not it.used]
    name_index = name_item.index if name_item else 0
    titles = sorted(((has_title_words(it.text), -abs(it.index - name_index),
                      it.index > name_index, it) for it in remaining),
                    key=lambda s: (s[0], s[1], s[2]), reverse=True)
    title_item = None
    if titles and titles[0][0] > 0:
        title_item = titles[0][3]
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
            card.set("company", _strip_logo_crumbs(pick.text), _weight(0.45, pick))


def _capital_i(text: str, tokens: set[str]) -> str:
    """'Priya lyer' with 'priya.iyer@': OCR read the capital I as a small l."""
    def swap(match: re.Match) -> str:
        word = match.group(0)
        return "I" + word[1:] if "i" + word[1:].lower() in tokens else word

    return re.sub(r"\bl[a-z]{2,}\b", swap, text)


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


# --- cross-field repair ----------------------------------------------------------------------

def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only)."""
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


OCR_SUSPECTS = re.compile(r"[0-9](?=[a-z])|(?<=[a-z])[0-9]|rn|vv|[|!]")


def _site_domain(website: str) -> str:
    host = re.sub(r"^(https?://)?(www\.)?", "", website.lower()).split("/")[0]
    return host.strip(".")


def repair_card(card: ParsedCard) -> None:
    """Fields on one card confirm each other: the e-mail domain and the web site are usually
    the same name, and the person's name is usually in the e-mail address."""
    _repair_domains(card)
    _repair_split_local_part(card)
    _repair_local_part(card)
    _repair_name_from_email(card)
    _restore_accents(card)
    _repair_company_crumbs(card)
    _repair_company_from_domain(card)


def _repair_domains(card: ParsedCard) -> None:
    email, website = card.fields["email"], card.fields["website"]
    if not email or not website:
        return
    local, _, domain = email.partition("@")
    site = _site_domain(website)
    if not site or domain == site:
        return
    distance = edit_distance(domain, site)
    if distance > max(2, len(site) // 4):
        return
    # The one with OCR-typical confusions (digits among letters, "rn") is the misread one;
    # when neither shows them the web site wins (it is printed bigger, and alone on its line).
    if len(OCR_SUSPECTS.findall(site)) > len(OCR_SUSPECTS.findall(domain)):
        prefix = website.lower().split(site)[0] if site in website.lower() else ""
        card.set("website", prefix + domain, card.confidence["email"] * 0.95)
        card.repairs.append("website_from_email")
    else:
        card.set("email", f"{local}@{site}", min(card.confidence["website"], 0.9) * 0.95)
        card.emails[:1] = [card.fields["email"]]
        card.repairs.append("email_domain_from_website")


def _repair_split_local_part(card: ParsedCard) -> None:
    """'camille lefevre@…' on a card of Camille Lefèvre: 'camille.lefevre@…'."""
    prefix, email = card.email_prefix, card.fields["email"]
    if not prefix or not email:
        return
    local, _, domain = email.partition("@")
    first, last = card.fields["first_name"], card.fields["last_name"]
    if not first or not last or prefix in ("mail", "email", "courriel", "correo", "e"):
        return
    first_forms = {fold(first), fold_de(first)}
    last_forms = {fold(last.replace(" ", "")), fold_de(last.replace(" ", ""))}
    if prefix in first_forms and local.lower() in last_forms:
        card.set("email", f"{prefix}.{local}@{domain}", card.confidence["email"] * 0.9)
        card.emails[:1] = [card.fields["email"]]
        card.repairs.append("email_local_joined")


def _name_forms(card: ParsedCard) -> list[str]:
    forms = []
    for name in ("first_name", "last_name"):
        value = card.fields[name]
        for word in value.split():
            for variant in (fold(word), fold_de(word)):
                if len(variant) >= 3 and variant not in forms:
                    forms.append(variant)
    return forms


def _repair_local_part(card: ParsedCard) -> None:
    """'emi1y.carter@' -> 'emily.carter@' when the card's name reads 'Emily Carter'."""
    email = card.fields["email"]
    if not email:
        return
    local, _, domain = email.partition("@")
    forms = _name_forms(card)
    if not forms:
        return
    tokens = re.split(r"([._\-])", local)
    changed = False
    for i, token in enumerate(tokens):
        low = token.lower()
        if len(low) < 3 or low in forms or not OCR_SUSPECTS.search(low):
            continue
        best = min(forms, key=lambda f: edit_distance(low, f))
        if edit_distance(low, best) <= max(1, len(best) // 4):
            tokens[i] = best
            changed = True
    if changed:
        card.set("email", "".join(tokens) + "@" + domain, card.confidence["email"] * 0.95)
        card.emails[:1] = [card.fields["email"]]
        card.repairs.append("email_local_from_name")


UMLAUTS = {"ae": "ä", "oe": "ö", "ue": "ü", "ss": "ß"}


def _repair_name_from_email(card: ParsedCard) -> None:
    """A name repeated in the e-mail address confirms its letters: 'Muller' + 'mueller@…'
    -> 'Müller'; 'Ernily' + 'emily.carter@…' -> 'Emily'."""
    email = card.fields["email"]
    if not email:
        return
    local = email.partition("@")[0].lower()
    tokens = [t for t in re.split(r"[._\-+0-9]", local) if len(t) >= 3]
    for name in ("first_name", "last_name"):
        value = card.fields[name]
        if not value or " " in value:
            continue
        folded = fold(value)
        for token in tokens:
            if token in (folded, fold_de(value)):
                break
            restored = _with_umlauts(value, token)
            if restored:
                card.set(name, restored, card.confidence[name])
                card.repairs.append(f"{name}_accents_from_email")
                break
            if value.isascii() and len(token) >= 4 and edit_distance(folded, token) == 1 and \
                    len(folded) == len(token) and OCR_SUSPECTS.search(folded + " ") is None \
                    and _ocr_swap(folded, token):
                card.set(name, token.capitalize() if value[:1].isupper() else token,
                         card.confidence[name] * 0.95)
                card.repairs.append(f"{name}_spelling_from_email")
                break


def _with_umlauts(value: str, token: str) -> str | None:
    """'Muller' with 'mueller' -> 'Müller' (only when the e-mail spells umlauts out)."""
    if not value.isascii():
        return None
    result, i, j = [], 0, 0
    low = value.lower()
    changed = False
    while i < len(low) and j < len(token):
        pair = token[j: j + 2]
        if low[i] == token[j] and not (pair in UMLAUTS and low[i] == pair[0] and (
                i + 1 >= len(low) or low[i + 1] != pair[1])):
            result.append(value[i])
            i += 1
            j += 1
        elif pair in UMLAUTS and low[i] in (pair[0], "s" if pair == "ss" else pair[0]):
            umlaut = UMLAUTS[pair]
            result.append(umlaut.upper() if value[i].isupper() else umlaut)
            i += 1
            j += 2
            changed = True
        else:
            return None
    if i != len(low) or j != len(token) or not changed:
        return None
    return "".join(result)


OCR_PAIRS = {frozenset(p) for p in ("il", "lt", "rn", "cе", "ce", "ao", "eo", "ec", "nu", "hb",
                                    "vy", "uv", "ij", "tf", "ft", "mn", "nm", "un")}


def _ocr_swap(a: str, b: str) -> bool:
    diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return len(diffs) == 1 and frozenset(diffs[0]) in OCR_PAIRS


def _strip_logo_crumbs(text: str, domain: str = "") -> str:
    """A logo beside the company name comes back as a letter or two: 'Ci Rideau Software',
    '4 Castleford Data Ltd'. Kept when the web domain starts with it ('AB Volvo', 'volvo.se'
    does not, but 'ab-volvo.se' would)."""
    match = re.match(r"^[^\w]*([\wÀ-ÿ]{1,2}|[^\w\s]+)\s+(?=[A-ZÀ-Ý][\wÀ-ÿ]{2,})", text)
    if not match:
        return text
    token = match.group(1)
    if domain:
        if fold(domain).startswith(fold(token) + fold(text[match.end():].split()[0])[:3]):
            return text
        return text[match.end():]
    if not token.isupper() or len(token) == 1:
        return text[match.end():]
    return text


def _repair_company_crumbs(card: ParsedCard) -> None:
    company = card.fields["company"]
    domain = _site_domain(card.fields["website"]) or card.fields["email"].partition("@")[2]
    stripped = _strip_logo_crumbs(company, domain)
    if company and stripped != company:
        card.set("company", stripped, card.confidence["company"])
        card.repairs.append("company_logo_crumbs")


# Common names whose accents OCR tends to drop ("Alvaro" for "Álvaro"): restored only when the
# letters match exactly apart from the accents.
ACCENTED_NAMES_ALL = {fold(n): n for n in """
Álvaro Ángel Ángela Andrés Adrián Agustín Amélie André Anaïs Antoine
Araceli Begoña Benoît Björn Céline Cécile Chloé Clément Cristóbal Élise Élodie Émile
Émilie Éric Fabián Fernández Françoise François Frédéric Gaëlle Gérard Gómez González
Günter Günther Héctor Hélène Hernández Inés Iñaki Iñigo Jérémie Jérôme Jesús Joël Jörg Jörn
José Josée Jürgen Léa Léon Léonie Loïc Lucía Márquez María Marín Martín Martínez Mónica
Müller Muñoz Núñez Núria Noémie Óscar Pérez Raúl Ramón Rodríguez Rubén Sánchez Sébastien
Simón Sofía Stéphane Stéphanie Sönke Thérèse Tomás Valérie Verónica Vázquez Zoé
Schäfer Schröder Köhler Krüger Jäger Gärtner Böhm Weiß Groß Fuß Hölzl Würth Möller Dürr
Lefèvre Lévesque Côté Bélanger Gagné Bérubé Séguin Dupré Ibáñez Muñiz Peña Álvarez Jiménez
García López Díaz Rodríguez Fernández Hernández Sáez Gálvez Domínguez Gutiérrez Ramírez Suárez Cortés Benítez Chávez Martí Ferrán
""".split()}


# Words of company names and street addresses whose accents OCR tends to drop ("Robotica",
# "Societe", "Calle Colon"): general business and street vocabulary of each language, restored
# like the names above, in the company and street fields only.
ACCENTED_WORDS_ALL = {fold(n): n for n in """
Tecnología Tecnologías Logística Ingeniería Energía Energías Consultoría Diseño
Construcción Construcciones Gestión Información Comunicación Comunicaciones Ibérica Ibéricas
Electrónica Informática Mecánica Química Óptica Médica Médicos Clínica Farmacéutica
Innovación Técnica Técnicas Automoción Compañía Española Españolas Análisis Gráfica Gráficas
Fábrica Fundación Asociación Inversión Inversiones Educación Formación
Alimentación Distribución Producción Importación Exportación Telecomunicación Náutica
Plaça Travesía Camí Polígono
Société Générale Générales Systèmes Énergie Énergies Ingénierie Électronique Électrique
Études Développement Sécurité Santé Réseaux Mécanique Numérique
Immobilière Industrielle Frères Matériaux Métaux Équipements Château
Pâtisserie Maîtrise Qualité Agréé Assurés Électricité Privé
Allée Chaussée Cité Forêt Hôpital Église Rivière Côte Île
Bäcker Gebäude Bürobedarf Lösungen Küchen Möbel Präzision Gerätebau Fahrzeugbau
Büro Bürotechnik Dämmtechnik Gärtnerei Getränke Größe Grün Kühltechnik Lüftung
Märkte Prüftechnik Rechtsanwälte Schlösser Sägewerk Süd Südwest Ärzte Ölmühle
Straße Brücke Mühle Mühlenweg
""".split()}


# Which regions' cards may carry which accents: "Zoe" on an Australian card stays "Zoe",
# "Martin" on a German card stays "Martin".
ACCENT_REGIONS = {
    "es": {"ES", "MX", "CL", "AR", "CO", "PE"},
    "fr": {"FR", "BE", "CH", "LU", "CA"},
    "de": {"DE", "AT", "CH"},
}
ACCENT_LETTERS = {"es": "áéíóúñÁÉÍÓÚÑ", "fr": "àâçéèêëîïôûùüÿœÀÂÇÉÈÊËÎÏÔÛÙÜ", "de": "äöüßÄÖÜ"}


def _accented_names_for(region: str) -> dict[str, str]:
    languages = [lang for lang, regions in ACCENT_REGIONS.items() if region in regions]
    return {key: name for key, name in ACCENTED_NAMES_ALL.items()
            if any(all(ch.isascii() or ch in ACCENT_LETTERS[lang] for ch in name)
                   for lang in languages)}


def _accented_words_for(region: str) -> dict[str, str]:
    languages = [lang for lang, regions in ACCENT_REGIONS.items() if region in regions]
    return {key: word for key, word in ACCENTED_WORDS_ALL.items()
            if any(all(ch.isascii() or ch in ACCENT_LETTERS[lang] for ch in word)
                   for lang in languages)}


def _known_word(word: str, vocabulary: dict[str, str]) -> str:
    """The accented spelling of a capitalised ASCII word, also when OCR read ü as 'ii'."""
    if not (word.isascii() and word[:1].isupper()):
        return word
    key = fold(word)
    return vocabulary.get(key) or vocabulary.get(key.replace("ii", "u")) or word


def _restore_word_accents(card: ParsedCard) -> None:
    """'Navarra Robotica' -> 'Navarra Robótica', 'Calle de Alcala 45' -> '… Alcalá 45'."""
    words = _accented_words_for(card.region)
    if not words:
        return
    places = gazetteer.local_words(card.region)
    for name in ("company", "street"):
        value = card.fields[name]
        if not value:
            continue
        # Street names carry place names, company names their founders' surnames.
        vocabulary = {**places, **words} if name == "street" else {
            **_accented_names_for(card.region), **words}
        fixed = re.sub(
            r"[A-Za-zÀ-ÿ]{3,}",
            lambda m, vocabulary=vocabulary: _known_word(m.group(0), vocabulary),
            value)
        if fixed != value:
            card.set(name, fixed, card.confidence[name])
            card.repairs.append(f"{name}_accents_from_word_list")


def _misread_accent(word: str, names: dict[str, str]) -> str:
    """'Cété' -> 'Côté': the letters agree wherever neither spelling has an accent."""
    if word.isascii():
        return word
    for known in names.values():
        if len(known) == len(word) and all(
                a == b or not (a.isascii() or b.isascii()) for a, b in zip(word, known,
                                                                          strict=True)):
            return known
    return word


def _restore_accents(card: ParsedCard) -> None:
    _restore_word_accents(card)
    names = _accented_names_for(card.region)
    if not names:
        return
    for name in ("first_name", "last_name"):
        words = card.fields[name].split()
        # Missing accents ("Alvaro") and wrong ones ("Lefévre") alike.
        fixed = [names.get(fold(w)) or names.get(fold(w).replace("ii", "u"))
                 or _misread_accent(w, names) if w[:1].isupper() else w for w in words]
        if fixed != words:
            card.set(name, " ".join(fixed), card.confidence[name])
            card.repairs.append(f"{name}_accents_from_name_list")


def _repair_company_from_domain(card: ParsedCard) -> None:
    """'Muller Maschinenbau GmbH' + 'mueller-maschinenbau.de' -> 'Müller Maschinenbau GmbH'."""
    company = card.fields["company"]
    domain = _site_domain(card.fields["website"]) or card.fields["email"].partition("@")[2]
    if not company or not domain:
        return
    tokens = [t for t in re.split(r"[.\-]", domain) if len(t) >= 3]
    words = company.split()
    changed = False
    for i, word in enumerate(words):
        for token in tokens:
            restored = _with_umlauts(word, token) if word.isalpha() else None
            if restored:
                words[i] = restored
                changed = True
                break
    if changed:
        card.set("company", " ".join(words), card.confidence["company"])
        card.repairs.append("company_accents_from_domain")
