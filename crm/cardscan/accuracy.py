"""Field-level accuracy of the scanner on the generated corpus.

Accuracy = fields read exactly right / fields printed on the cards. "Exactly" after the
normalisation a person would not care about: surrounding whitespace and case of e-mail and web
addresses, and the punctuation of phone numbers (+1 (415) 555-0132 == +1 415 555 0132).
Fields the card does not carry but the scanner filled anyway are counted as `spurious`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .corpus import FIELDS, CardSpec, card_bytes, corpus_specs
from .parser import e164
from .pipeline import scan_card

PHONE_FIELDS = {"business_phone", "mobile_phone", "fax"}


def normalize(name: str, value: str, region: str | None = None) -> str:
    value = re.sub(r"\s+", " ", value or "").strip()
    if name in PHONE_FIELDS:
        return e164(value, region) if value else ""
    if name == "street":
        # "Level 12 · 50 Pitt Street" printed on one line is the same street as on two lines.
        return re.sub(r"\s*[,·|]\s*", ", ", value)
    if name in ("email", "website"):
        return re.sub(r"^(https?://)", "", value.lower()).rstrip("/")
    return value


@dataclass
class CardOutcome:
    spec: CardSpec
    seconds: float
    right: list[str] = field(default_factory=list)
    wrong: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (expected, got)
    spurious: dict[str, str] = field(default_factory=dict)


@dataclass
class AccuracyReport:
    outcomes: list[CardOutcome]

    def _subset(self, noisy: bool | None):
        return [o for o in self.outcomes if noisy is None or o.spec.noisy == noisy]

    def accuracy(self, noisy: bool | None = None) -> float:
        subset = self._subset(noisy)
        right = sum(len(o.right) for o in subset)
        total = right + sum(len(o.wrong) for o in subset)
        return right / total if total else 0.0

    def by_field(self, noisy: bool | None = None) -> dict[str, float]:
        result = {}
        for name in FIELDS:
            right = total = 0
            for o in self._subset(noisy):
                if name in o.right:
                    right += 1
                    total += 1
                elif name in o.wrong:
                    total += 1
            if total:
                result[name] = right / total
        return result

    def seconds(self) -> list[float]:
        return sorted(o.seconds for o in self.outcomes)

    def summary(self) -> str:
        times = self.seconds()
        lines = [
            f"cards: {len(self.outcomes)} ({len(self._subset(False))} clean, "
            f"{len(self._subset(True))} noisy)",
            f"field accuracy: clean {self.accuracy(False):.1%}, noisy {self.accuracy(True):.1%}, "
            f"all {self.accuracy():.1%}",
            f"spurious fields: {sum(len(o.spurious) for o in self.outcomes)}",
            f"scan time: median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s",
            "per field (clean/noisy): " + ", ".join(
                f"{n} {self.by_field(False).get(n, 0):.0%}/{self.by_field(True).get(n, 0):.0%}"
                for n in FIELDS),
        ]
        for o in self.outcomes:
            for name, (expected, got) in o.wrong.items():
                lines.append(f"  {o.spec.name}: {name}: expected {expected!r}, got {got!r}")
        return "\n".join(lines)


def evaluate(spec) -> CardOutcome:
    """Scan one card: a `corpus.CardSpec` or a `cards.GeneratedCard` (which knows its region)."""
    data = spec.to_bytes() if hasattr(spec, "to_bytes") else card_bytes(spec)
    region = getattr(spec, "region", None)
    result = scan_card(data)
    outcome = CardOutcome(spec=spec, seconds=result.seconds)
    for name in FIELDS:
        expected = normalize(name, spec.fields.get(name, ""), region)
        got = normalize(name, result.fields.get(name, ""), region)
        if expected:
            if expected == got:
                outcome.right.append(name)
            else:
                outcome.wrong[name] = (spec.fields[name], result.fields.get(name, ""))
        elif got:
            outcome.spurious[name] = got
    return outcome


def measure(specs: list | None = None) -> AccuracyReport:
    return AccuracyReport([evaluate(spec) for spec in (specs or corpus_specs())])
