"""Showing email on a record's timeline: threads collapsed, quoted text folded, HTML made safe.

- Threads: the timeline read model pages email activities like any other entry (one query);
  `decorate_timeline` then loads the page's messages in ONE more query (plus one for their
  attachments), with, per message, its thread's latest message on this record and the thread's
  message count there (correlated subqueries). An entry whose message is not its thread's
  latest is hidden: the thread shows once, as its latest message with "N messages", and
  expands through htmx. The cost does not grow with the number of messages on the record.
- Quoted history (`>` lines, "On ... wrote:", Outlook's "From:/Sent:" header block, Gmail's
  and Outlook's HTML reply containers, `<blockquote>`) is folded behind a `<details>` toggle.
- HTML is sanitised with nh3 (no script, style, event handler, iframe, form...). Remote images
  are blocked by default: their `src` becomes `data-remote-src` and the reader gets a "Show
  remote images" button that reloads that message with them. `cid:` images are served from the
  stored attachments, through the same access check as a download.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

import nh3
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from crm.activities.models import ActivityKind

from .models import EmailMessage, EmailStatus
from .selectors import email_list

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "data-remote-src"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "div": {"class", "id"},
    "blockquote": {"class", "cite"},
    "hr": {"id"},
    "*": {"dir", "lang"},
}
# Only these classes/ids survive: the markers mail clients put on quoted history.
QUOTE_CLASSES = {"gmail_quote", "gmail_attr", "moz-cite-prefix", "OutlookMessageHeader",
                 "yahoo_quoted"}
QUOTE_IDS = {"divRplyFwdMsg", "appendonsend", "stopSpelling"}
HTML_QUOTE_MARKERS = re.compile(
    r'<blockquote|<div class="(?:gmail_quote|yahoo_quoted|moz-cite-prefix)'
    r'|<div id="(?:divRplyFwdMsg|appendonsend)"|<hr id="stopSpelling"'
    r'|-----\s*Original Message\s*-----', re.IGNORECASE)
# On the sanitiser's own output: attribute values are always double-quoted and never contain a
# raw `"`, so this reads each <img> tag's attributes unambiguously.
IMG_TAG = re.compile(r'<img((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"]*")?)*)\s*/?>')
REMOTE_SRC = re.compile(r'\ssrc="(https?://[^"]*)"', re.IGNORECASE)

WROTE_LINE = re.compile(r"^\s*(On\s.+|Am\s.+|Le\s.+|El\s.+)\s(wrote|schrieb|a écrit|escribió)\s*:\s*$",
                        re.IGNORECASE)
WROTE_START = re.compile(r"^\s*(On|Am|Le|El)\s.+", re.IGNORECASE)
WROTE_END = re.compile(r".*(wrote|schrieb|a écrit|escribió)\s*:\s*$", re.IGNORECASE)
ORIGINAL_LINE = re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message|Ursprüngliche "
                           r"Nachricht)\s*-{2,}\s*$", re.IGNORECASE)
OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De)\s*:\*?\s+\S", re.IGNORECASE)
OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé|To|An|Subject|Betreff)\s*:",
                          re.IGNORECASE)


# --- plain text ---------------------------------------------------------------------------------
def _quote_start(lines: list[str]) -> int | None:
    """Index of the first line of a trailing history block ("On ... wrote:", Outlook headers,
    "--- Original Message ---"), or None."""
    for index, line in enumerate(lines):
        if WROTE_LINE.match(line) or ORIGINAL_LINE.match(line):
            return index
        # "On Mon, 7 Dec 2026 at 10:00, Hank <hank@x>\nwrote:" split over two lines
        if (WROTE_START.match(line) and index + 1 < len(lines)
                and WROTE_END.match(lines[index + 1]) and not WROTE_END.match(line)):
            return index
        if OUTLOOK_FROM.match(line):
            following = [ln for ln in lines[index + 1:index + 5] if ln.strip()]
            if following and OUTLOOK_NEXT.match(following[0]):
                return index
    return None


def split_quoted_text(text: str) -> list[tuple[str, str]]:
    """[("text", ...), ("quote", ...), ...]: `>` blocks and the trailing history are quotes."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _quote_start(lines)
    head, tail = (lines, []) if start is None else (lines[:start], lines[start:])
    segments: list[tuple[str, list[str]]] = []
    for line in head:
        kind = "quote" if line.lstrip().startswith(">") else "text"
        if segments and (segments[-1][0] == kind or (not line.strip() and kind == "text"
                                                       and segments[-1][0] == "quote")):
            segments[-1][1].append(line)
        else:
            segments.append((kind, [line]))
    if tail:
        if segments and segments[-1][0] == "quote":
            segments[-1][1].extend(tail)
        else:
            segments.append(("quote", tail))
    result = []
    for kind, chunk in segments:
        body = "\n".join(chunk).strip("\n")
        if body.strip():
            result.append((kind, body))
    return result


# --- HTML ---------------------------------------------------------------------------------------
def _attribute_filter(cid_urls: dict[str, str]):
    def check(tag, attribute, value):
        if attribute == "class":
            kept = [c for c in value.split() if c in QUOTE_CLASSES]
            return " ".join(kept) or None
        if attribute == "id":
            return value if value in QUOTE_IDS else None
        if tag == "img" and attribute == "src":
            lowered = value.strip().lower()
            if lowered.startswith("cid:"):
                return cid_urls.get(value.strip()[4:].strip("<>"))
            if lowered.startswith(("http://", "https://")):
                return value
            return None  # data:, file:, javascript: ... never
        if tag == "img" and attribute == "data-remote-src":
            return None  # only we write that one, after sanitising
        if value.strip().lower().startswith("cid:"):
            return None  # cid: is allowed for inline images only
        return value
    return check


def sanitize_html(raw: str, *, cid_urls: dict[str, str] | None = None,
                  allow_remote_images: bool = False) -> tuple[str, bool]:
    """Safe HTML and whether it refers to remote images (blocked unless allowed)."""
    cleaned = nh3.clean(
        raw or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"}, link_rel="noopener noreferrer nofollow",
        strip_comments=True, attribute_filter=_attribute_filter(cid_urls or {}),
        clean_content_tags={"script", "style", "title", "head", "template", "noscript",
                            "textarea", "select", "iframe", "object", "embed", "svg", "math"},
    )
    found_remote = False

    def rewrite(match):
        nonlocal found_remote
        attrs = match.group(1)
        if not REMOTE_SRC.search(attrs):
            return match.group(0)
        found_remote = True
        if allow_remote_images:
            return match.group(0)
        attrs = REMOTE_SRC.sub(lambda m: f' data-remote-src="{m.group(1)}"', attrs)
        return f"<img{attrs}>"

    cleaned = IMG_TAG.sub(rewrite, cleaned)
    if not allow_remote_images and re.search(r'<img[^>]*\ssrc="https?:', cleaned, re.I):
        # Belt and braces: an <img> the pattern did not read loses its remote source.
        cleaned = re.sub(r'(<img[^>]*?)\ssrc="https?:[^"]*"', r"\1", cleaned, flags=re.I)
    return cleaned, found_remote


def split_quoted_html(safe_html: str) -> tuple[str, str]:
    """(visible, quoted): each part re-sanitised, so both are well-formed on their own."""
    match = HTML_QUOTE_MARKERS.search(safe_html)
    if match is None or not safe_html[:match.start()].strip():
        return safe_html, ""
    visible, quoted = safe_html[:match.start()], safe_html[match.start():]
    again = {"tags": ALLOWED_TAGS, "attributes": ALLOWED_ATTRIBUTES,
             "url_schemes": {"http", "https", "mailto"},
             "link_rel": "noopener noreferrer nofollow"}
    return nh3.clean(visible, **again), nh3.clean(quoted, **again)


# --- one message, one thread --------------------------------------------------------------------
@dataclass
class MessageView:
    message: EmailMessage
    count: int = 1
    hidden: bool = False
    allow_images: bool = False
    record_ref: str = ""
    attachments: list = field(default_factory=list)

    @property
    def record_type(self) -> str:
        return self.record_ref.partition(":")[0]

    @property
    def record_id(self) -> str:
        return self.record_ref.partition(":")[2]

    @property
    def thread_dom_id(self) -> str:
        return f"mail-thread-{self.message.thread_id or 'm' + str(self.message.pk)}"

    @property
    def dom_id(self) -> str:
        return f"mail-msg-{self.message.pk}"

    @property
    def is_failed(self) -> bool:
        return self.message.status == EmailStatus.FAILED

    def _cid_urls(self) -> dict[str, str]:
        return {a.content_id.strip("<>"): reverse("mail-attachment", args=[a.pk]) + "?inline=1"
                for a in self.attachments if a.content_id and a.file}

    def body(self) -> dict:
        """{"html": (visible, quoted), "text": segments, "remote": bool} for the template."""
        message = self.message
        if message.html.strip():
            safe, remote = sanitize_html(message.html, cid_urls=self._cid_urls(),
                                         allow_remote_images=self.allow_images)
            visible, quoted = split_quoted_html(safe)
            return {"html": True, "visible": mark_safe(visible),  # noqa: S308 - nh3 output
                    "quoted": mark_safe(quoted) if quoted.strip() else "",  # noqa: S308
                    "remote": remote}
        segments = split_quoted_text(message.text)
        return {"html": False, "segments": segments, "remote": False}

    @property
    def files(self) -> list:
        return [a for a in self.attachments if not (a.content_id and a.content_type.startswith(
            "image/") and self.message.html and f"cid:{a.content_id.strip('<>')}" in
            self.message.html)]


def readable_messages(user):
    """Messages `user` may read (mail-core's selector: the one home of that rule)."""
    return email_list(user=user)


def _when():
    return Coalesce(F("sent_at"), F("created_at"))


def decorate_timeline(*, entries, user, record_type: str, record_id: int) -> None:
    """Attach `entry.mail` (a MessageView) to the page's email entries; hide older messages of
    a thread shown by its latest one. Two queries whatever the size of the timeline."""
    for entry in entries:
        # `email.sent` / `email.received` events feed automation and webhooks; on the timeline
        # the message itself says it.
        if entry.event_id and entry.event.action.startswith("email."):
            entry.timeline_hidden = True
    by_activity = {e.activity_id: e for e in entries
                   if e.kind == ActivityKind.EMAIL and e.activity_id}
    if not by_activity:
        return
    on_record = EmailMessage.objects.filter(
        thread_id=OuterRef("thread_id"),
        activity__timeline_entries__record_type=record_type,
        activity__timeline_entries__record_id=record_id,
    )
    latest = on_record.annotate(when=_when()).order_by("-when", "-pk").values("pk")[:1]
    count = (on_record.order_by().values("thread_id").annotate(n=Count("pk")).values("n")[:1])
    messages = (EmailMessage.objects.filter(activity_id__in=list(by_activity))
                .annotate(thread_latest=Subquery(latest), thread_count=Subquery(count))
                .prefetch_related("attachments"))
    ref = f"{record_type}:{record_id}"
    for message in messages:
        entry = by_activity[message.activity_id]
        hidden = bool(message.thread_id and message.thread_latest
                      and message.thread_latest != message.pk)
        entry.mail = MessageView(message=message, count=message.thread_count or 1,
                                 hidden=hidden, record_ref=ref,
                                 attachments=list(message.attachments.all()))
        entry.timeline_hidden = hidden


def thread_views(*, user, thread_id: int, record_type: str = "", record_id=None) -> list:
    """Every message of a thread `user` may read (on the record, if given), oldest first."""
    qs = readable_messages(user).filter(thread_id=thread_id)
    if record_type and record_id:
        qs = qs.filter(activity__timeline_entries__record_type=record_type,
                       activity__timeline_entries__record_id=record_id)
    messages = list(qs.annotate(when=_when()).order_by("when", "pk")
                    .prefetch_related("attachments"))
    ref = f"{record_type}:{record_id}" if record_type else ""
    return [MessageView(message=m, count=len(messages), record_ref=ref,
                        attachments=list(m.attachments.all())) for m in messages]


def plain_text_html(text: str) -> SafeString:
    """Plain text as HTML: escaped, line breaks kept (for previews)."""
    return mark_safe(html_lib.escape(text).replace("\n", "<br>"))  # noqa: S308 - escaped
