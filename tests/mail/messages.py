"""Build raw RFC 5322 messages for the mail tests."""

import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone


def make_raw(*, frm="Carla Customer <carla@acme.example>", to="sam@crm.test", cc=None,
             subject="Hello", body="Hi there,\n\nCould you send me a quote?\n", html=None,
             message_id=None, in_reply_to=None, references=None, date=None,
             attachments=(), headers=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to if isinstance(to, str) else ", ".join(to)
    if cc:
        msg["Cc"] = cc if isinstance(cc, str) else ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = date if isinstance(date, str) else format_datetime(date or timezone.now())
    if message_id is not False:
        msg["Message-ID"] = message_id or make_msgid(idstring=uuid.uuid4().hex[:8],
                                                     domain="test.example")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, payload in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def msgid(raw: bytes) -> str:
    for line in raw.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    return ""
