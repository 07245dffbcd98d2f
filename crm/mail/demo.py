"""Demo email: a realistic synced history without a mail server.

Sam's mailbox and the `sales@` queue are configured (pointing at example hosts, so a sync only
shows a connection error); messages go through the real store path (`message_store`), so they
are tracked, threaded and linked exactly like synced mail: threads with customers, a customer
reply waiting for an answer, and a queue enquiry turned into a lead. Once the whole demo is
committed (opportunities exist by then), the customer threads are linked to the customers'
open opportunities.
"""

from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime

from django.db import transaction
from django.utils import timezone

from crm.common.registries import record_types

from .models import EmailMessage, Mailbox, MailboxKind, MailboxState, MailSettings, Security
from .parsing import parse_message
from .services import StoreContext, message_link, message_store

DEMO_PASSWORD = "demo-mailbox-password"


def _raw(*, frm, to, subject, body, when, msgid, in_reply_to=None, cc=None) -> bytes:
    msg = MimeMessage()
    msg["From"], msg["To"], msg["Subject"] = frm, to, subject
    if cc:
        msg["Cc"] = cc
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = msgid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return bytes(msg)


def _mailbox(owner, address, kind, now) -> Mailbox:
    mailbox = Mailbox(kind=kind, owner=owner, address=address, display_name=str(owner),
                      imap_host="imap.northwind.example", imap_port=993,
                      imap_security=Security.SSL, smtp_host="smtp.northwind.example",
                      smtp_port=587, smtp_security=Security.STARTTLS, username=address,
                      state=MailboxState.OK, last_sync_at=now - timedelta(minutes=4))
    mailbox.set_password(DEMO_PASSWORD)
    mailbox.save()
    return mailbox


def _store(mailbox, folder, uid, raw):
    parsed = parse_message(raw)
    return message_store(parsed=parsed, mailbox=mailbox, folder=folder, uid=uid,
                         ctx=StoreContext.build(mailbox, [parsed]))


THREADS = [
    # (subject, our opening, their reply or None, days ago)
    ("Licence renewal for next year",
     "Hello {first},\n\nyour licences renew on the 1st. Shall I prepare the renewal quote "
     "with the 40 seats you have today?\n\nBest regards\n{me}",
     "Hi {me_first},\n\nyes please, but we will need 55 seats from March. We are also "
     "looking at Globex CRM, so a good price would help.\n\nThanks\n{first}", 6),
    ("Onboarding workshop dates",
     "Hello {first},\n\nwe can run the onboarding workshop on the 14th or the 21st. "
     "Which suits your team?\n\nBest regards\n{me}",
     "Hi,\n\nthe 21st works for us. Can you send the agenda?\n\nRegards\n{first}", 2),
    ("Integration package: questions",
     "Hello {first},\n\nfollowing our call, here are the answers about the API "
     "integration. Let me know if your IT team needs anything else.\n\nBest regards\n{me}",
     None, 5),
]
ENQUIRY = ("Hello,\n\nwe are a 30-person sales team and are looking for a CRM with e-mail "
           "integration. Could you send us pricing and a demo date?\n\nBest regards\n"
           "Nina Fischer\nHead of Sales Operations | Tailwind Logistics GmbH\n"
           "Tel. +49 40 3344550\n")


def seed(ctx: dict) -> None:
    users = ctx["users"]
    sam, admin = users["sam"], users["admin"]
    now = timezone.now()
    mail_settings = MailSettings.load()
    mail_settings.competitors = "Globex CRM\nInitrode"
    mail_settings.save()
    box = _mailbox(sam, sam.email, MailboxKind.PERSONAL, now)
    queue = _mailbox(admin, "sales@northwind.example", MailboxKind.QUEUE, now)
    contacts = [c for c in ctx["contacts"] if c.owner_id == sam.pk and c.email][:len(THREADS)]
    me = f"{sam.first_name} {sam.last_name}"
    uid = {"INBOX": 0, "Sent": 0}
    threads = []
    for contact, (subject, ours, theirs, days) in zip(contacts, THREADS, strict=False):
        first = contact.first_name or contact.last_name
        opening_id = f"<demo.{contact.pk}.1@northwind.example>"
        uid["Sent"] += 1
        sent = _store(box, "Sent", uid["Sent"], _raw(
            frm=f"{me} <{sam.email}>", to=f"{contact} <{contact.email}>", subject=subject,
            body=ours.format(first=first, me=me), when=now - timedelta(days=days),
            msgid=opening_id))
        if theirs:
            uid["INBOX"] += 1
            _store(box, "INBOX", uid["INBOX"], _raw(
                frm=f"{contact} <{contact.email}>", to=f"{me} <{sam.email}>",
                subject=f"Re: {subject}", in_reply_to=opening_id,
                body=theirs.format(first=first, me_first=sam.first_name),
                when=now - timedelta(days=days - 1, hours=3),
                msgid=f"<demo.{contact.pk}.2@{contact.email.split('@')[1]}>"))
        threads.append((sent.pk if sent else None, contact))
    # A stranger writes to the queue: a new lead, with the message on its timeline.
    _store(queue, "INBOX", 1, _raw(
        frm="Nina Fischer <nina.fischer@tailwind-logistics.example>",
        to="sales@northwind.example", subject="CRM for our sales team: pricing and demo",
        body=ENQUIRY, when=now - timedelta(days=1, hours=2),
        msgid="<demo.enquiry.1@tailwind-logistics.example>"))
    ctx["mail_threads"] = threads

    def link_to_opportunities():
        if "opportunity" not in record_types:
            return
        model = record_types.get("opportunity").model
        for message_id, contact in threads:
            message = EmailMessage.objects.filter(pk=message_id).first()
            if message is None or not contact.account_id:
                continue
            opportunity = (model.objects.filter(account_id=contact.account_id, owner=sam,
                                                status="open").order_by("pk").first())
            if opportunity is not None:
                message_link(message=message, record_type="opportunity",
                             record_id=opportunity.pk, actor=sam)

    # The opportunities are seeded by a later app in the same transaction.
    transaction.on_commit(link_to_opportunities)
