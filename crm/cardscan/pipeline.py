"""Photo bytes -> fields: validation, clean-up, OCR, parsing. No database, no Django models."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .images import binarise, clean_gray, load_card_image
from .ocr import ocr_languages, read_lines
from .parser import ParsedCard, guess_language, parse_card


@dataclass
class ScanResult:
    parsed: ParsedCard
    text: str
    seconds: float
    content_type: str = ""
    timings: dict = field(default_factory=dict)

    @property
    def fields(self) -> dict:
        return self.parsed.fields

    @property
    def confidence(self) -> dict:
        return self.parsed.confidence


# How much a field counts when two readings of the same card are compared.
SCORE_WEIGHTS = {"first_name": 1.0, "last_name": 1.0, "job_title": 0.5, "company": 1.0,
                 "email": 1.5, "business_phone": 1.0, "mobile_phone": 0.5, "website": 1.0,
                 "street": 1.0, "city": 1.0, "postal_code": 1.0}
# Fields nearly every card prints: one of them missing means the reading is worth a retry.
EXPECTED = ("last_name", "company", "email", "business_phone", "city")


def field_score(parsed: ParsedCard) -> float:
    """A reading's worth: the fields found, weighted, times the parser's confidence."""
    return sum(weight * parsed.confidence[name] for name, weight in SCORE_WEIGHTS.items()
               if parsed.fields[name])


def needs_retry(parsed: ParsedCard) -> bool:
    return any(not parsed.fields[name] for name in EXPECTED) or bool(
        parsed.low_confidence_fields)


def _read(image, available: list[str]):
    """OCR in English first (the fastest model), then again with the card's own language
    first when its text says it is German, French or Spanish: that gets the accents right."""
    lines = read_lines(image, languages=available[0])
    language = guess_language("\n".join(line.text for line in lines))
    if language != available[0] and language in available:
        lines = read_lines(image, languages=f"{language}+{available[0]}")
    return lines, language


def scan_card(data: bytes, *, languages: str | None = None) -> ScanResult:
    """Read a card photo. Raises `CardImageError` for a bad upload, `OcrUnavailable` when
    Tesseract is missing.

    The photo is cleaned (card cut out and straightened, light evened, upscaled, deskewed) and
    binarised; when that reading misses fields most cards print, the cleaned grey picture is
    read too and the reading with the better field-level score is kept.
    """
    started = time.perf_counter()
    card = load_card_image(data)
    loaded = time.perf_counter()
    gray = clean_gray(card.image)
    prepared = binarise(gray)
    cleaned = time.perf_counter()
    available = (languages or ocr_languages()).split("+")
    lines, language = _read(prepared, available)
    parsed = parse_card(lines)
    passes = 1
    if needs_retry(parsed):
        passes += 1
        other_lines = read_lines(gray, languages=f"{language}+{available[0]}" if (
            language != available[0] and language in available) else available[0])
        other = parse_card(other_lines)
        if field_score(other) > field_score(parsed):
            lines, parsed = other_lines, other
    read = time.perf_counter()
    done = time.perf_counter()
    return ScanResult(
        parsed=parsed,
        text="\n".join(line.text for line in lines),
        seconds=round(done - started, 3),
        content_type=card.content_type,
        timings={"load": round(loaded - started, 3), "clean": round(cleaned - loaded, 3),
                 "ocr_and_parse": round(read - cleaned, 3), "passes": passes},
    )
