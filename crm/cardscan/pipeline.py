"""Photo bytes -> fields: validation, clean-up, OCR, parsing. No database, no Django models."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .images import load_card_image, prepare_for_ocr
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


def scan_card(data: bytes, *, languages: str | None = None) -> ScanResult:
    """Read a card photo. Raises `CardImageError` for a bad upload, `OcrUnavailable` when
    Tesseract is missing."""
    started = time.perf_counter()
    card = load_card_image(data)
    loaded = time.perf_counter()
    prepared = prepare_for_ocr(card.image)
    cleaned = time.perf_counter()
    available = (languages or ocr_languages()).split("+")
    # First pass in English alone (the fastest model): enough to find the card's language from
    # its legal forms, street words, phone country codes and top-level domains.
    lines = read_lines(prepared, languages=available[0])
    language = guess_language("\n".join(line.text for line in lines))
    if language != available[0] and language in available:
        # Second pass with the card's language first: it gets the accents right.
        lines = read_lines(prepared, languages=f"{language}+{available[0]}")
    read = time.perf_counter()
    parsed = parse_card(lines)
    done = time.perf_counter()
    return ScanResult(
        parsed=parsed,
        text="\n".join(line.text for line in lines),
        seconds=round(done - started, 3),
        content_type=card.content_type,
        timings={"load": round(loaded - started, 3), "clean": round(cleaned - loaded, 3),
                 "ocr": round(read - cleaned, 3), "parse": round(done - read, 3)},
    )
