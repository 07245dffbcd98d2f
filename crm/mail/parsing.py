"""Real-world MIME to a `ParsedMessage`, with the stdlib `email` package and fallbacks.

Mail in the wild is often wrong: charsets mislabelled or missing, raw 8-bit headers, broken
dates, no Message-ID, NUL bytes. Every step here degrades gracefully (declared charset ->
charset-normalizer -> latin-1 with replacement) and notes what it did; only a message that
cannot be read at all raises `MessageParseError`, which the sync records as failed.
"""

import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.utils import timezone

MSGID_RE = re.compile(r"<[^<>\s]+>")
TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.IGNORECASE | re.DOTALL)
BLOCK_RE = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.IGNORECASE)
SPACES_RE = re.compile(r"[ \t\r\f\v]+")
SURROGATES_RE = re.compile("[\udc80-\udcff]")
EARLIEST_SENSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
WEAK_CHARSETS = {"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252",
                 "cp1252"}


class MessageParseError(Exception):
    """The bytes are not a message we can read at all."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    size: int
    payload: bytes | None  # None when skipped
    content_id: str = ""
    inline: bool = False
    skipped_reason: str = ""


@dataclass
class ParsedMessage:
    message_id: str
    message_id_generated: bool = False
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    to_names: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    sent_at: datetime | None = None
    text: str = ""
    html: str = ""
    size: int = 0
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def participants(self) -> list[str]:
        """Every address on the message (sender first), lower case, once each."""
        seen, result = set(), []
        for address in [self.from_address, *self.to, *self.cc, *self.bcc, *self.reply_to]:
            if address and address not in seen:
                seen.add(address)
                result.append(address)
        return result

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers (In-Reply-To first, then References newest first)."""
        ids = []
        if self.in_reply_to:
            ids.append(self.in_reply_to)
        for ref in reversed(self.references):
            if ref not in ids:
                ids.append(ref)
        return ids


# --- text helpers -------------------------------------------------------------------------------
def clean_text(value) -> str:
    """A str safe for PostgreSQL: no NUL, no lone surrogates (raw 8-bit bytes re-decoded)."""
    if value is None:
        return ""
    value = str(value)
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    if SURROGATES_RE.search(value):
        raw = value.encode("utf-8", "surrogateescape")
        value = decode_bytes(raw, None)[0]
    value = value.encode("utf-8", "replace").decode("utf-8", "replace")
    return value.replace("\x00", "")


def decode_bytes(raw: bytes, declared: str | None) -> tuple[str, str]:
    """Bytes -> (text, how): the declared charset, then a guess, then latin-1 with replacement."""
    declared = (declared or "").strip().strip('"').lower() or None
    if declared:
        try:
            text = raw.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
        else:
            # "iso-8859-1" on what is really UTF-8 (a common mislabel) decodes without error.
            if declared in WEAK_CHARSETS and not raw.isascii():
                try:
                    return raw.decode("utf-8"), f"utf-8 (mislabelled {declared})"
                except UnicodeDecodeError:
                    pass
            return text, declared
    else:
        try:
            return raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:200_000]).best()
        if best is not None and best.encoding:
            return raw.decode(best.encoding, "replace"), f"guessed {best.encoding}"
    except Exception:  # noqa: BLE001 - a detector failure must not lose the message
        pass
    return raw.decode("latin-1", "replace"), "latin-1"


def html_to_text(markup: str) -> str:
    text = BLOCK_RE.sub("\n", markup)
    text = TAG_RE.sub("", text)
    text = html_lib.unescape(text)
    lines = [SPACES_RE.sub(" ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _raw_header(msg, name: str) -> list[str]:
    """Header values without the modern policy's parsing (for when that raises)."""
    values = []
    for key, value in getattr(msg, "_headers", []):
        if key.lower() == name.lower():
            values.append(value if isinstance(value, str) else str(value))
    return values


def _decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - unknown charset in an encoded word, broken base64...
        return value


def header_text(msg, name: str) -> str:
    try:
        value = msg.get(name)
        text = "" if value is None else str(value)
    except Exception:  # noqa: BLE001 - a malformed header under policy.default
        values = _raw_header(msg, name)
        text = _decode_words(values[0]) if values else ""
    text = clean_text(text)
    return SPACES_RE.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()


def header_addresses(msg, name: str) -> list[tuple[str, str]]:
    """[(display name, address lower case)] of an address header, robust to junk."""
    raw_values = []
    try:
        for value in msg.get_all(name) or []:
            raw_values.append(str(value))
    except Exception:  # noqa: BLE001
        raw_values = [_decode_words(v) for v in _raw_header(msg, name)]
    result, seen = [], set()
    for display, address in getaddresses([clean_text(v) for v in raw_values]):
        address = address.strip().strip("<>").lower()
        if not address or "@" not in address or len(address) > 320 or address in seen:
            continue
        seen.add(address)
        result.append((clean_text(display).strip().strip('"')[:300], address))
    return result


def normalize_message_id(value: str) -> str:
    value = clean_text(value).strip()
    if not value:
        return ""
    found = MSGID_RE.search(value)
    if found:
        return found.group(0)[:998]
    token = value.split()[0].strip("<>")
    return f"<{token}>"[:998] if token else ""


def generated_message_id(date: str, sender: str, subject: str, body: bytes = b"") -> str:
    """Stable id of a message without a Message-ID: the same message always hashes the same."""
    material = "\x1f".join([date.strip(), sender.strip().lower(), subject.strip()])
    digest = hashlib.sha256(material.encode("utf-8", "replace"))
    if not date.strip():
        # No date either: the body tells two such messages apart.
        digest.update(hashlib.sha256(body).digest())
    return f"<generated.{digest.hexdigest()[:40]}@crm.invalid>"


def parse_date(value: str, fallback: datetime | None, notes: list[str]) -> datetime | None:
    """A Date header -> aware datetime; absurd dates (before 1990, in the future) -> fallback."""
    parsed = None
    if value:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
        if parsed is None:
            notes.append(f"unreadable date {value[:60]!r}")
        elif timezone.is_naive(parsed):
            parsed = parsed.replace(tzinfo=UTC)
    now = timezone.now()
    if parsed is not None and not (EARLIEST_SENSIBLE <= parsed <= now + timedelta(days=2)):
        notes.append(f"implausible date {value[:60]!r}: the server's date is used")
        parsed = None
    if parsed is None and fallback is not None:
        parsed = fallback if timezone.is_aware(fallback) else fallback.replace(tzinfo=UTC)
    return parsed


# --- bodies and attachments ---------------------------------------------------------------------
def _part_size_estimate(part) -> int:
    payload = part.get_payload(decode=False)
    if not isinstance(payload, str):
        return 0
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    return len(payload) * 3 // 4 if cte == "base64" else len(payload)


def _part_text(part, notes: list[str]) -> str:
    raw = part.get_payload(decode=True)
    if raw is None:
        return ""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    text, how = decode_bytes(raw, part.get_param("charset"))
    if how not in ((part.get_param("charset") or "").lower(), "utf-8"):
        notes.append(f"{part.get_content_type()} decoded as {how}")
    return clean_text(text)


def _filename(part) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if not name:
        name = part.get_param("name", header="content-type")
        if isinstance(name, tuple):
            name = name[2]
    name = clean_text(_decode_words(name) if name else "")
    return name.replace("/", "_").replace("\\", "_")[:200]


def _walk(msg, parsed: ParsedMessage, limit: int) -> None:
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001
            disposition = None
        filename = _filename(part)
        is_body = disposition != "attachment" and not filename
        if is_body and ctype == "text/plain" and not parsed.text:
            parsed.text = _part_text(part, parsed.notes)
            continue
        if is_body and ctype == "text/html" and not parsed.html:
            parsed.html = _part_text(part, parsed.notes)
            continue
        if ctype.startswith("multipart/"):
            continue
        content_id = normalize_message_id(str(part.get("Content-ID", "") or ""))
        estimate = _part_size_estimate(part)
        if ctype == "message/rfc822" or part.get_payload(decode=False) is None:
            payload = part.as_bytes() if ctype == "message/rfc822" else b""
        elif estimate > limit:
            payload = None
        else:
            payload = part.get_payload(decode=True) or b""
        if not filename:
            ext = {"message/rfc822": ".eml", "text/calendar": ".ics"}.get(ctype, "")
            filename = f"part-{len(parsed.attachments) + 1}{ext}"
        attachment = ParsedAttachment(
            filename=filename, content_type=ctype[:255],
            size=len(payload) if payload is not None else estimate, payload=payload,
            content_id=content_id.strip("<>")[:255], inline=disposition == "inline",
        )
        if payload is not None and len(payload) > limit:
            attachment.payload = None
        if attachment.payload is None:
            attachment.skipped_reason = (
                f"larger than the {limit // (1024 * 1024)} MB attachment limit"
                if limit >= 1024 * 1024 else f"larger than the {limit} bytes attachment limit"
            )
            parsed.notes.append(f"attachment {filename!r} ({attachment.size} bytes) skipped")
        parsed.attachments.append(attachment)


def parse_message(raw: bytes, *, internal_date: datetime | None = None,
                  max_attachment_bytes: int | None = None) -> ParsedMessage:
    """Parse one RFC 5322 message. `internal_date` (the server's) stands in for a bad Date."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise MessageParseError("empty message")
    limit = (max_attachment_bytes if max_attachment_bytes is not None
             else settings.CRM_MAIL_MAX_ATTACHMENT_BYTES)
    try:
        msg = message_from_bytes(bytes(raw), policy=policy.default)
    except Exception as exc:  # noqa: BLE001
        raise MessageParseError(f"unreadable MIME: {exc}") from exc
    if not msg.keys():
        raise MessageParseError("no headers")

    notes: list[str] = []
    senders = header_addresses(msg, "From") or header_addresses(msg, "Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    subject = header_text(msg, "Subject")[:1000]
    raw_dates = _raw_header(msg, "Date")
    date_header = clean_text(raw_dates[0]).strip() if raw_dates else ""
    if not date_header:
        notes.append("no date")
    message_id = normalize_message_id(header_text(msg, "Message-ID"))
    generated = not message_id
    if generated:
        message_id = generated_message_id(date_header, from_address, subject, bytes(raw))
        notes.append("no Message-ID: generated from date, sender and subject")
    to_pairs = header_addresses(msg, "To")
    cc_pairs = header_addresses(msg, "Cc")
    parsed = ParsedMessage(
        message_id=message_id, message_id_generated=generated,
        in_reply_to=normalize_message_id(header_text(msg, "In-Reply-To")),
        references=MSGID_RE.findall(header_text(msg, "References"))[-50:],
        from_address=from_address, from_name=from_name,
        to=[a for _, a in to_pairs], cc=[a for _, a in cc_pairs],
        bcc=[a for _, a in header_addresses(msg, "Bcc")],
        reply_to=[a for _, a in header_addresses(msg, "Reply-To")],
        to_names={a: n for n, a in to_pairs + cc_pairs if n},
        subject=subject, sent_at=parse_date(date_header, internal_date, notes),
        size=len(raw), notes=notes,
    )
    try:
        _walk(msg, parsed, limit)
    except Exception as exc:  # noqa: BLE001 - keep the headers, say why the body is missing
        parsed.notes.append(f"body unreadable: {exc}")
    if not parsed.text and parsed.html:
        parsed.text = html_to_text(parsed.html)
    return parsed


def strip_subject_prefixes(subject: str) -> str:
    """`Re: Fwd: AW: Quote` -> `Quote` (for thread subjects)."""
    return re.sub(r"^\s*((re|fwd?|aw|wg|sv|tr|antw)\s*(\[\d+\])?\s*:\s*)+", "", subject or "",
                  flags=re.IGNORECASE).strip()


# --- headers only (the sync's privacy pre-check) ------------------------------------------------
HEADER_FIELDS = ("From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Message-ID", "In-Reply-To",
                 "References")
_HEADER_PARSER = BytesHeaderParser()


@dataclass
class HeaderInfo:
    """What the privacy filter needs, read from the headers alone (cheap, no body download)."""

    message_id: str
    participants: list[str]
    thread_ids: list[str]


def quick_headers(raw: bytes) -> HeaderInfo | None:
    """The addresses and ids of a message from its header block; None when the message has no
    Message-ID (its id is derived from more than the headers) or the headers are unreadable:
    the caller then reads the whole message."""
    try:
        msg = _HEADER_PARSER.parsebytes(raw)
    except Exception:  # noqa: BLE001
        return None
    message_id = normalize_message_id(_decode_words(str(msg.get("Message-ID", "") or "")))
    if not message_id:
        return None
    participants, seen = [], set()
    for name in ("From", "Sender", "To", "Cc", "Bcc", "Reply-To"):
        values = [clean_text(_decode_words(str(v))) for v in msg.get_all(name) or []]
        for _display, address in getaddresses(values):
            address = address.strip().strip("<>").lower()
            if address and "@" in address and address not in seen:
                seen.add(address)
                participants.append(address)
    in_reply_to = normalize_message_id(str(msg.get("In-Reply-To", "") or ""))
    references = MSGID_RE.findall(str(msg.get("References", "") or ""))[-50:]
    thread_ids = [in_reply_to] if in_reply_to else []
    thread_ids += [r for r in reversed(references) if r not in thread_ids]
    return HeaderInfo(message_id=message_id, participants=participants, thread_ids=thread_ids)
