"""Real-world and hostile messages through the real IMAP server: each is stored sensibly or
recorded as failed with a reason; none blocks the mailbox."""

import base64
from datetime import datetime

import pytest
from django.utils import timezone

from crm.mail.models import EmailAttachment, EmailMessage, MailboxMessage
from crm.mail.parsing import parse_message
from crm.mail.sync import mailbox_sync

from .messages import make_raw

pytestmark = pytest.mark.django_db


def _raw(headers: str, body: bytes) -> bytes:
    return headers.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body


def test_30_mb_attachment_keeps_headers_and_text(box, deliver, settings):
    settings.CRM_MAIL_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    big = b"\x00\x01PDF" * (30 * 1024 * 1024 // 5)
    raw = make_raw(subject="Big drawing", body="See the drawing attached.",
                   attachments=[("drawing.pdf", "application/pdf", big),
                                ("small.txt", "text/plain", b"tiny")])
    deliver(box, raw)
    result = mailbox_sync(box.pk)
    assert result.state == "ok" and result.stored == 1
    message = EmailMessage.objects.get()
    assert message.subject == "Big drawing" and "See the drawing" in message.text
    skipped = EmailAttachment.objects.get(filename="drawing.pdf")
    assert not skipped.file and "limit" in skipped.skipped_reason
    assert skipped.size >= 30 * 1024 * 1024 - 10
    kept = EmailAttachment.objects.get(filename="small.txt")
    assert kept.file and kept.file.read() == b"tiny"


def test_500_recipients(box, deliver):
    to = ["sam@crm.test"] + [f"person{n}@example.org" for n in range(499)]
    deliver(box, make_raw(to=to, cc="carla@acme.example", subject="Newsletter to many"))
    mailbox_sync(box.pk)
    message = EmailMessage.objects.get()
    assert len(message.to) == 500 and message.cc == ["carla@acme.example"]
    assert len(message.activity.email_to) <= 1000


def test_no_message_id_gets_a_stable_generated_one(box, deliver, mail_server, org,
                                                    mailbox_for):
    raw = make_raw(subject="No id here", message_id=False,
                   date="Mon, 07 Dec 2026 10:00:00 +0000")
    deliver(box, raw)
    sofia_box = mailbox_for(org.sofia)
    deliver(sofia_box, raw)
    mailbox_sync(box.pk)
    mailbox_sync(sofia_box.pk)
    message = EmailMessage.objects.get()
    assert message.message_id.startswith("<generated.")
    assert message.mailbox_items.count() == 2


@pytest.mark.parametrize("date_header", ["Thu, 01 Jan 1970 00:00:00 +0000",
                                         "Fri, 01 Jan 2100 00:00:00 +0000",
                                         "not a date at all"])
def test_absurd_or_broken_dates_fall_back_to_the_server_date(box, deliver, date_header):
    deliver(box, make_raw(subject="Odd date", date=date_header))
    mailbox_sync(box.pk)
    message = EmailMessage.objects.get()
    assert message.sent_at is not None
    assert abs((timezone.now() - message.sent_at).total_seconds()) < 3600
    assert "date" in message.error


def test_invalid_utf8_mislabelled_charsets_and_nul_bytes(box, deliver):
    headers = ("From: =?utf-8?q?Ren=C3=A9e_K=C3=BChn?= <carla@acme.example>\n"
               "To: sam@crm.test\nSubject: =?iso-8859-1?q?Gr=FC=DFe?= \xfcber Preise\n"
               "Date: Mon, 07 Dec 2026 09:00:00 +0000\nMessage-ID: <bad-utf8@test.example>\n"
               "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
               "Content-Transfer-Encoding: 8bit\n")
    body = "Größe: 3 Stück, Preis 5 €\x00 danke\r\n".encode() + b"\xff\xfe broken\r\n"
    deliver(box, _raw(headers, body))
    result = mailbox_sync(box.pk)
    assert result.state == "ok" and result.failed == 0
    message = EmailMessage.objects.get()
    assert message.from_name == "Renée Kühn"
    assert message.subject.startswith("Grüße")
    assert "\x00" not in message.text and "Preis" in message.text


def test_unparseable_message_is_recorded_and_does_not_block_the_rest(box, deliver):
    deliver(box, b"\r\n\r\n")
    deliver(box, make_raw(subject="After the broken one"))
    result = mailbox_sync(box.pk)
    assert result.state == "ok"
    assert EmailMessage.objects.get().subject == "After the broken one"
    failed = MailboxMessage.objects.get(mailbox=box, skipped="failed")
    assert failed.error
    assert mailbox_sync(box.pk).fetched == 0  # never retried in a loop


def test_parse_real_world_mime():
    html_part = base64.b64encode("<p>Hallo <b>Welt</b> – größer</p>".encode("cp1252")).decode()
    raw = _raw(
        "From: \"Doe, Jane\" <JANE@Example.COM>\nTo: a@b.example, \"B\" <b@b.example>\n"
        "Subject: =?UTF-8?B?w5xiZXIgdW5z?=\nDate: Tue, 1 Dec 2026 08:00:00 +0100\n"
        "Message-ID: <x1@example.com>\nReferences: <a@x> <b@x>\nIn-Reply-To: <b@x>\n"
        "MIME-Version: 1.0\nContent-Type: multipart/related; boundary=\"R\"\n",
        ("--R\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n"
         "--A\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n\r\nHallo Welt =E2=80=93 gr=C3=B6=C3=9Fer\r\n"
         "--A\r\nContent-Type: text/html; charset=windows-1252\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" + html_part + "\r\n--A--\r\n"
         "--R\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
         "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n"
         + base64.b64encode(b"\x89PNG....").decode() + "\r\n--R--\r\n").encode())
    parsed = parse_message(raw)
    assert parsed.from_address == "jane@example.com" and parsed.from_name == "Doe, Jane"
    assert parsed.to == ["a@b.example", "b@b.example"]
    assert parsed.subject == "Über uns"
    assert parsed.text.strip() == "Hallo Welt – größer"
    assert "größer" in parsed.html
    assert parsed.in_reply_to == "<b@x>" and parsed.references == ["<a@x>", "<b@x>"]
    assert parsed.thread_ids == ["<b@x>", "<a@x>"]
    assert parsed.sent_at == datetime.fromisoformat("2026-12-01T07:00:00+00:00")
    [image] = parsed.attachments
    assert image.content_id == "logo@x" and image.inline and image.payload == b"\x89PNG...."
