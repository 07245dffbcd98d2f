"""Tesseract through pytesseract: the cleaned card image -> lines of text with confidence."""

from __future__ import annotations

import os

import pytesseract
from django.conf import settings
from PIL import Image

from .parser import OcrLine

# One thread per Tesseract call: the machine runs several scans (and web workers) at once, and
# OpenMP threads fighting over two cores make a single scan slower, not faster.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class OcrUnavailable(Exception):
    """Tesseract is not installed or a language pack is missing."""


def ocr_languages() -> str:
    return getattr(settings, "CRM_CARDSCAN_LANGUAGES", "eng+deu+fra+spa")


def read_lines(image: Image.Image, *, languages: str | None = None,
               timeout: int = 20) -> list[OcrLine]:
    """Run Tesseract on a prepared image and group its words into lines, in reading order."""
    try:
        data = pytesseract.image_to_data(
            # tessedit_do_invert=0: the image is already dark-on-light, so Tesseract need not
            # read every doubtful line a second time inverted (a third of the time saved).
            image, lang=languages or ocr_languages(),
            config="--oem 1 --psm 3 -c tessedit_do_invert=0",
            output_type=pytesseract.Output.DICT, timeout=timeout,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("Tesseract is not installed (Debian package tesseract-ocr)") from exc
    except pytesseract.TesseractError as exc:
        raise OcrUnavailable(f"Tesseract failed: {exc.message}") from exc
    words_by_line: dict[tuple[int, int, int], list[dict]] = {}
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        if not word:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        words_by_line.setdefault(key, []).append({
            "text": word, "conf": max(float(data["conf"][i]), 0.0), "left": data["left"][i],
            "top": data["top"][i], "width": data["width"][i], "height": data["height"][i],
        })
    blocks: dict[int, list[OcrLine]] = {}
    boundaries: dict[int, int] = {}
    for key, words in words_by_line.items():
        segments = _split_at_gaps(words)
        if len(segments) > 1:
            right = min(seg[0]["left"] for seg in segments[1:])
            boundaries[key[0]] = min(boundaries.get(key[0], right), right)
        for segment in segments:
            heights = sorted(w["height"] for w in segment)
            blocks.setdefault(key[0], []).append(OcrLine(
                text=" ".join(w["text"] for w in segment),
                confidence=sum(w["conf"] for w in segment) / len(segment) / 100,
                height=heights[len(heights) // 2],
                top=min(w["top"] for w in segment),
                left=segment[0]["left"],
                block=key[0],
            ))
    result = []
    for block, lines in blocks.items():
        if block in boundaries:
            # Read the left column top to bottom, then the right one.
            edge = boundaries[block] - 10
            lines = sorted(lines, key=lambda ln: (ln.left >= edge, ln.top))
        result.extend(lines)
    return _join_fragments(result)


def _join_fragments(lines: list[OcrLine]) -> list[OcrLine]:
    """Glue a stray first letter back onto its word ("F" + "rance"): Tesseract sometimes puts
    a capital in one line and the rest of the word in the next when two columns touch."""
    kept = list(lines)
    for fragment in [ln for ln in lines if len(ln.text) <= 2 and ln.text.isalpha()]:
        for other in kept:
            if other is fragment or not other.text[:1].islower():
                continue
            close_x = 0 <= other.left - fragment.left <= fragment.height * 1.2
            close_y = abs(other.top - fragment.top) <= fragment.height
            if close_x and close_y:
                other.text = fragment.text + other.text
                other.left = fragment.left
                kept.remove(fragment)
                break
    return kept


def _split_at_gaps(words: list[dict]) -> list[list[dict]]:
    """Two columns printed side by side come back as one line; a wide gap separates them."""
    words = sorted(words, key=lambda w: w["left"])
    height = sorted(w["height"] for w in words)[len(words) // 2]
    segments = [[words[0]]]
    for previous, word in zip(words, words[1:], strict=False):
        gap = word["left"] - (previous["left"] + previous["width"])
        if gap > max(2.5 * height, 40):
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments
