"""A small signature-block reader for email queries: name, job title, company, phone.

The block is the lines after `-- `, "Regards", "Best", "Thanks", "Mit freundlichen Grüßen"...
(or the last lines of the message). The vocabulary (legal forms, job-title words, phone
pattern) is the business card scanner's.
"""

import re
from dataclasses import dataclass

from crm.cardscan.parser import LEGAL_FORMS, PHONE_RE, TITLE_RE, TITLE_STEMS, tidy_phone

CLOSINGS = re.compile(
    r"^\s*(--\s*|best( regards| wishes)?|kind regards|regards|many thanks|thanks|thank you|"
    r"cheers|sincerely|yours( sincerely| truly)?|mit freundlichen gr(ü|ue)(ß|ss)en|"
    r"viele gr(ü|ue)(ß|ss)e|beste gr(ü|ue)(ß|ss)e|gr(ü|ue)(ß|ss)e|cordialement|"
    r"bien (à vous|cordialement)|saludos( cordiales)?|atentamente)[,.!]?\s*$",
    re.IGNORECASE,
)
QUOTE_START = re.compile(r"^\s*(>|on .+ wrote:|am .+ schrieb|le .+ a écrit|-----original)",
                         re.IGNORECASE)
MOBILE_LABEL = re.compile(r"\b(mobile|mob|cell|handy|mobil)\b", re.IGNORECASE)
URL_OR_MAIL = re.compile(r"(@|https?://|www\.)", re.IGNORECASE)


@dataclass
class Signature:
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    company: str = ""
    business_phone: str = ""
    mobile_phone: str = ""


def split_name(display_name: str, address: str = "") -> tuple[str, str]:
    """`"Doe, Jane"` / `Jane Doe` / `jane.doe@x` -> ("Jane", "Doe")."""
    name = (display_name or "").strip().strip('"').strip()
    if "," in name:
        last, _, first = name.partition(",")
        return first.strip()[:80], last.strip()[:80]
    if not name and address:
        local = address.split("@", 1)[0]
        parts = [p for p in re.split(r"[._\-+]", local) if p.isalpha()]
        if len(parts) >= 2:
            return parts[0].title()[:80], " ".join(parts[1:]).title()[:80]
        return "", ""
    words = name.split()
    if len(words) == 1:
        return "", words[0][:80]
    return " ".join(words[:-1])[:80], words[-1][:80]


def _block(text: str) -> list[str]:
    lines = []
    for line in (text or "").splitlines():
        if QUOTE_START.match(line):
            break
        lines.append(line.rstrip())
    for index in range(len(lines) - 1, -1, -1):
        if CLOSINGS.match(lines[index]):
            return [line.strip() for line in lines[index + 1:index + 12] if line.strip()]
    tail = [line.strip() for line in lines if line.strip()]
    return tail[-6:]


def parse_signature(text: str, *, display_name: str = "", address: str = "") -> Signature:
    sig = Signature()
    sig.first_name, sig.last_name = split_name(display_name, address)
    block = _block(text)
    name_words = {w.lower() for w in (display_name or "").replace(",", " ").split()}
    for line in block:
        lowered = line.lower()
        phone = PHONE_RE.search(line)
        if phone and len(re.sub(r"\D", "", phone.group(0))) >= 7:
            number = tidy_phone(phone.group(0))[:50]
            if MOBILE_LABEL.search(line):
                sig.mobile_phone = sig.mobile_phone or number
            else:
                sig.business_phone = sig.business_phone or number
            continue
        if URL_OR_MAIL.search(line) or len(line) > 80:
            continue
        words = {w.lower() for w in re.split(r"[\s,|]+", line) if w}
        if name_words and words and words <= name_words:
            continue  # the sender's own name
        if not sig.job_title and (TITLE_RE.search(line)
                                  or any(stem in lowered for stem in TITLE_STEMS)):
            # "Head of Purchasing, Acme GmbH" / "Buyer | Acme Ltd"
            parts = re.split(r"\s*[,|–—]\s+|\s+[|–—]\s*", line, maxsplit=1)
            sig.job_title = parts[0][:120]
            if len(parts) > 1 and not sig.company:
                sig.company = parts[1][:160]
            continue
        if not sig.company and LEGAL_FORMS.search(line):
            sig.company = line[:160]
    if not sig.last_name and block:
        first, last = split_name(block[0])
        if last and not PHONE_RE.search(block[0]):
            sig.first_name, sig.last_name = first, last
    return sig
