"""Sending email from a record: store first, send in Celery, never twice.

`email_send` stores the outgoing message in ONE transaction: the `EmailMessage`
(direction outgoing, status `sending`, its `Message-ID` generated now with the sender's domain),
its thread (new, or the one it replies to), its attachments (quote/invoice PDFs rendered now, so
a retry sends the very same bytes) and an OPEN `email` activity on the record, so the message is
on the timeline at once. After commit the thin task `crm.mail.send_message` hands it to the
user's mailbox SMTP server (Django's SMTP backend configured from the mailbox) or, for a user
without a mailbox, to the system backend (`settings.EMAIL_BACKEND`).

- Sent: status `sent`, the activity is completed (the `activity_completed` signal: a lead
  becomes contacted), event `email.sent`, and a copy is appended to the mailbox's Sent folder
  over IMAP, so the message is on the server like any other sent mail. When the Sent folder is
  synced, mail-core's `message_store` finds the same `Message-ID` and adds nothing.
- Failed: status `failed`, `error` = the server's own words, the activity stays open (a to-do:
  "retry"), nothing is lost.
- At most once: the worker claims a message with a conditional UPDATE (`status = sending AND
  send_claimed_at IS NULL`) before talking to the server, so duplicate tasks, a redelivered task
  (`acks_late`) or two concurrent retries hand it to SMTP once. `email_retry` turns `failed`
  back into `sending` with the same kind of UPDATE; a message already `sent` is never re-sent.
  A double submit with the same idempotency key returns the first message.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr, formatdate, getaddresses, make_msgid

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.activities.models import ActivityKind, ActivityState, Direction
from crm.activities.services import activity_complete, activity_create, resolve_regarding
from crm.common.codes import RefusalReason
from crm.common.errors import TransitionNotAllowed
from crm.common.queue import enqueue_on_commit, publish
from crm.common.visibility import check_can_change, is_admin

from . import merge
from .connection import imap_connect, server_message
from .models import (
    EmailAttachment,
    EmailDirection,
    EmailMessage,
    EmailStatus,
    EmailTemplate,
    EmailThread,
    Mailbox,
    MailboxKind,
    Security,
)

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 100


# --- attachment providers (quote/invoice PDFs, contributed by the pipeline apps) ----------------
@dataclass(frozen=True)
class AttachmentProvider:
    """A document type that can be attached as a PDF (registered in the app's `mail.py`).

    `candidates(user, record_type, record)` -> [(id, label)] of documents of this type that go
    with the record (the quote itself, an opportunity's quotes...), readable by `user`;
    `render(user, id)` -> (filename, content_type, bytes), 404 when `user` may not read it,
    ValidationError when it cannot be printed (a draft quote).
    """

    record_type: str
    label: str
    candidates: Callable
    render: Callable


attachment_providers: dict[str, AttachmentProvider] = {}


def register_attachment_provider(provider: AttachmentProvider) -> AttachmentProvider:
    attachment_providers[provider.record_type] = provider
    return provider


def attachment_choices(*, user, record_type: str, record) -> list[tuple[str, str]]:
    """[("quote:12", "Quote Q-000012 ..."), ...] for the compose form's checkboxes."""
    choices = []
    for provider in attachment_providers.values():
        for doc_id, label in provider.candidates(user, record_type, record):
            choices.append((f"{provider.record_type}:{doc_id}", label))
    return choices


def parse_attach(values, *, regarding_type: str = "") -> list[tuple[str, int]]:
    """`["quote:12", {"type": "invoice", "id": 3}, 7]` -> [("quote", 12), ("invoice", 3), ...].

    A bare id names a document of the regarding record's type (attach the quote you write from).
    """
    refs: list[tuple[str, int]] = []
    errors = []
    for value in values or ():
        kind, doc_id = "", value
        if isinstance(value, dict):
            kind, doc_id = str(value.get("type", "")), value.get("id")
        elif isinstance(value, str) and ":" in value:
            kind, _sep, doc_id = value.partition(":")
        elif regarding_type in attachment_providers:
            kind = regarding_type
        try:
            doc_id = int(doc_id)
        except (TypeError, ValueError):
            doc_id = None
        if kind not in attachment_providers or doc_id is None or isinstance(value, bool):
            errors.append(_("“%(value)s” is not a document to attach: use “quote:<id>” or "
                            "“invoice:<id>”.") % {"value": value})
            continue
        if (kind, doc_id) not in refs:
            refs.append((kind, doc_id))
    if errors:
        raise ValidationError({"attach": errors})
    return refs


# --- recipients and sender ----------------------------------------------------------------------
def _email_of(obj) -> str:
    return (getattr(obj, "email", "") or "").strip()


def default_recipients(record) -> list[str]:
    """The record's own address: a contact's or lead's e-mail; an account's primary contact;
    an opportunity's, quote's, order's or invoice's contact (then its account)."""
    seen = set()
    node = record
    for _step in range(4):  # contact -> account -> primary contact: bounded, never a loop
        if node is None or (type(node), node.pk) in seen:
            break
        seen.add((type(node), node.pk))
        if getattr(node, "primary_contact_id", None) and _email_of(node.primary_contact):
            return [_email_of(node.primary_contact)]
        if _email_of(node):
            return [_email_of(node)]
        nxt = None
        for attr in ("contact", "account"):
            if getattr(node, f"{attr}_id", None):
                candidate = getattr(node, attr)
                if (type(candidate), candidate.pk) not in seen:
                    nxt = candidate
                    break
        node = nxt
    return []


def parse_addresses(value, *, field: str) -> list[str]:
    """A list or a comma/semicolon separated string of addresses -> validated plain addresses."""
    if not value:
        return []
    items = value if isinstance(value, list | tuple) else [str(value).replace(";", ",")]
    addresses, errors = [], []
    for _name, address in getaddresses([str(v) for v in items]):
        address = address.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("“%(a)s” is not an e-mail address.") % {"a": address})
            continue
        if address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    if len(addresses) > MAX_RECIPIENTS:
        errors.append(_("At most %(n)s recipients.") % {"n": MAX_RECIPIENTS})
    if errors:
        raise ValidationError({field: errors})
    return addresses


def personal_mailbox(user) -> Mailbox | None:
    """The user's own mailbox with an SMTP server, if they connected one."""
    return (Mailbox.objects.filter(owner=user, kind=MailboxKind.PERSONAL)
            .exclude(smtp_host="").first())


def _sender(user, mailbox: Mailbox | None) -> tuple[str, str]:
    name = (mailbox.display_name if mailbox else "") or user.get_full_name() or user.username
    address = (mailbox.address if mailbox else "") or user.email or settings.DEFAULT_FROM_EMAIL
    return name, address


def new_message_id(address: str) -> str:
    domain = address.rpartition("@")[2] or "localhost"
    return make_msgid(idstring="crm", domain=domain)


# --- templates -----------------------------------------------------------------------------------
def template_list(*, user):
    """Templates `user` may use: their own and the shared ones (admins: all)."""
    qs = EmailTemplate.objects.select_related("owner")
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user):
        return qs
    return qs.filter(Q(owner=user) | Q(shared=True))


def _template(user, template) -> EmailTemplate | None:
    if template in (None, ""):
        return None
    if isinstance(template, EmailTemplate):
        pk = template.pk
    else:
        try:
            pk = int(template)
        except (TypeError, ValueError):
            pk = None
    found = template_list(user=user).filter(pk=pk).first() if pk else None
    if found is None:
        raise ValidationError({"template": [_("No such template.")]})
    return found


TEMPLATE_FIELDS = ("name", "subject", "body", "shared")


@transaction.atomic
def email_template_save(*, actor, data: dict, template: EmailTemplate | None = None
                        ) -> EmailTemplate:
    """Create a template owned by `actor`, or change one (its owner or an admin: else 403)."""
    if template is None:
        template = EmailTemplate(owner=actor)
    else:
        template = EmailTemplate.objects.select_for_update().get(pk=template.pk)
        _check_template_owner(actor, template)
    for name in TEMPLATE_FIELDS:
        if name in data:
            setattr(template, name, data[name])
    template.full_clean(exclude=["owner"])
    template.save()
    return template


@transaction.atomic
def email_template_delete(*, actor, template: EmailTemplate) -> None:
    _check_template_owner(actor, template)
    template.delete()


def _check_template_owner(actor, template: EmailTemplate) -> None:
    from django.core.exceptions import PermissionDenied

    if template.owner_id != actor.pk and not is_admin(actor):
        raise PermissionDenied(_("Only the template's owner or an admin can change it."))


def merge_for(*, actor, record, subject: str, body: str, extra=None) -> merge.Rendered:
    context = merge.build_context(record=record, user=actor,
                                  extra=merge.validate_extra_context(extra))
    return merge.render(subject=subject, body=body, context=context)


# --- the service ---------------------------------------------------------------------------------
def _reply_headers(parent: EmailMessage | None) -> tuple[str, str]:
    if parent is None:
        return "", ""
    refs = " ".join([*parent.references.split(), parent.message_id]).strip()
    return parent.message_id, refs


@transaction.atomic
def email_send(*, actor, regarding_type: str, regarding_id, to=None, cc=None, subject: str = "",
               body: str = "", template=None, context=None, attach: Iterable = (),
               idempotency_key: str | None = None, reply_to: EmailMessage | None = None,
               html: str = "") -> EmailMessage:
    """Store an outgoing email on a readable record and queue its sending.

    `to` defaults to the record's address; `subject`/`body` default to the template's; merge
    fields are filled from the record (an unknown one: ValidationError on that field). Refuses
    an unreadable record (404), bad addresses, no recipient, documents the actor may not read.
    Queues `crm.mail.send_message` after commit. Returns the stored message (status sending).
    """
    key = (idempotency_key or "").strip()[:100]
    if key:
        # Serialize one user's sends so two submits with one key cannot both get through.
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        existing = EmailMessage.objects.filter(sent_by=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    record = resolve_regarding(user=actor, record_type=regarding_type, record_id=regarding_id)
    chosen = _template(actor, template)
    subject = subject or (chosen.subject if chosen else "")
    body = body or (chosen.body if chosen else "")
    errors: dict[str, list] = {}
    if not subject.strip():
        errors["subject"] = [_("Write a subject.")]
    if not body.strip():
        errors["body"] = [_("Write a message.")]
    if errors:
        raise ValidationError(errors)
    merge_context = merge.build_context(record=record, user=actor,
                                        extra=merge.validate_extra_context(context))
    rendered = merge.render(subject=subject, body=body, context=merge_context)
    # The optional HTML part is merged too, with its values escaped.
    html = merge.render_text(html or "", merge_context, field="html", html=True)
    to_list = parse_addresses(to, field="to") or default_recipients(record)
    cc_list = parse_addresses(cc, field="cc")
    if not to_list:
        raise ValidationError({"to": [_("This record has no e-mail address: enter a "
                                        "recipient.")]})
    refs = parse_attach(attach, regarding_type=regarding_type)
    files = [(kind, attachment_providers[kind].render(actor, doc_id)) for kind, doc_id in refs]

    mailbox = personal_mailbox(actor)
    from_name, from_address = _sender(actor, mailbox)
    in_reply_to, references = _reply_headers(reply_to)
    now = timezone.now()
    if reply_to is not None and reply_to.thread_id:
        thread = reply_to.thread
        EmailThread.objects.filter(pk=thread.pk).update(
            message_count=F("message_count") + 1, last_message_at=now)
    else:
        thread = EmailThread.objects.create(subject=rendered.subject[:500],
                                            regarding_type=regarding_type,
                                            regarding_id=record.pk, last_message_at=now,
                                            message_count=1)
    activity = activity_create(
        actor=actor, kind=ActivityKind.EMAIL, regarding=record, subject=rendered.subject[:200],
        description=rendered.body, direction=Direction.OUTGOING, email_from=from_address,
        email_to=", ".join(to_list + cc_list)[:1000],
    )
    message = EmailMessage.objects.create(
        message_id=new_message_id(from_address), thread=thread, in_reply_to=in_reply_to,
        references=references, direction=EmailDirection.OUTGOING, from_address=from_address,
        from_name=from_name, to=to_list, cc=cc_list, subject=rendered.subject[:1000],
        text=rendered.body, html=html or "", size=len(rendered.body.encode()),
        status=EmailStatus.SENDING, activity=activity, sent_by=actor, mailbox=mailbox,
        idempotency_key=key,
    )
    message.tracked_by.add(actor)
    for _kind, (filename, content_type, content) in files:
        attachment = EmailAttachment(message=message, filename=filename,
                                     content_type=content_type, size=len(content))
        attachment.file.save(filename, ContentFile(content), save=False)
        attachment.save()
    enqueue_on_commit(send_message, message.pk)
    return message


@transaction.atomic
def email_retry(*, message: EmailMessage, actor) -> EmailMessage:
    """Send a failed message again (the sender, their managers, admins).

    Only `failed` turns back into `sending` (one conditional UPDATE: of two concurrent retries
    one wins, the other finds it already sending). A message sent or on its way: 409.
    """
    if message.activity_id:
        check_can_change(actor, message.activity)
    elif message.sent_by_id != actor.pk and not is_admin(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only the sender can retry this email."))
    turned = EmailMessage.objects.filter(pk=message.pk, status=EmailStatus.FAILED).update(
        status=EmailStatus.SENDING, send_claimed_at=None, updated_at=timezone.now(),
        version=F("version") + 1)
    message = EmailMessage.objects.get(pk=message.pk)
    if not turned:
        raise TransitionNotAllowed(
            _("This email is %(status)s; only a failed email can be sent again.")
            % {"status": message.get_status_display().lower()}, allowed=[],
            reason=RefusalReason.WRONG_STATUS)
    enqueue_on_commit(send_message, message.pk)
    return message


# --- delivery (in the worker) -------------------------------------------------------------------
def build_email(message: EmailMessage) -> EmailMultiAlternatives:
    headers = {"Message-ID": message.message_id,
               "Date": formatdate(timezone.now().timestamp(), localtime=False)}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.text,
        from_email=formataddr((message.from_name, message.from_address)),
        to=list(message.to), cc=list(message.cc), headers=headers,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments.all():
        if attachment.file:
            with attachment.file.open("rb") as fh:
                email.attach(attachment.filename, fh.read(),
                             attachment.content_type or "application/octet-stream")
    return email


def smtp_connection(mailbox: Mailbox | None):
    if mailbox is None:
        return get_connection(fail_silently=False)
    return EmailBackend(
        host=mailbox.smtp_host, port=mailbox.smtp_port, username=mailbox.username or None,
        password=mailbox.get_password() or None,
        use_tls=mailbox.smtp_security == Security.STARTTLS,
        use_ssl=mailbox.smtp_security == Security.SSL,
        timeout=getattr(settings, "CRM_MAIL_TIMEOUT", 20), fail_silently=False,
    )


def error_text(exc: BaseException, mailbox: Mailbox | None = None) -> str:
    """The server's own words: `535 5.7.8 Authentication failed`, `Connection refused`..."""
    text = server_message(exc)
    if mailbox is not None and not isinstance(exc, smtplib.SMTPResponseException
                                              | smtplib.SMTPRecipientsRefused):
        return f"{mailbox.smtp_host}:{mailbox.smtp_port}: {text}"
    return text


def message_deliver(*, message_id: int) -> str:
    """Claim one `sending` message, hand it to SMTP, record the outcome. Idempotent."""
    claimed_at = timezone.now()
    claimed = EmailMessage.objects.filter(
        pk=message_id, status=EmailStatus.SENDING, send_claimed_at__isnull=True,
    ).update(send_claimed_at=claimed_at)
    if not claimed:
        return "skipped"
    message = EmailMessage.objects.select_related("mailbox", "sent_by").get(pk=message_id)
    try:
        email = build_email(message)
        connection = smtp_connection(message.mailbox)
        connection.send_messages([email])
    except Exception as exc:  # the server's answer, whatever it is, is kept on the message
        logger.info("email %s not sent: %s", message.pk, exc)
        EmailMessage.objects.filter(pk=message.pk, send_claimed_at=claimed_at).update(
            status=EmailStatus.FAILED, error=error_text(exc, message.mailbox)[:2000],
            send_claimed_at=None, updated_at=timezone.now(), version=F("version") + 1)
        return "failed"
    _mark_sent(message, claimed_at)
    if message.mailbox is not None:
        copy_to_sent(message, email.message().as_bytes())
    return "sent"


@transaction.atomic
def _mark_sent(message: EmailMessage, claimed_at) -> None:
    now = timezone.now()
    EmailMessage.objects.filter(pk=message.pk, send_claimed_at=claimed_at).update(
        status=EmailStatus.SENT, sent_at=now, error="", updated_at=now,
        version=F("version") + 1)
    if message.thread_id:
        EmailThread.objects.filter(pk=message.thread_id).update(last_message_at=now)
    activity = message.activity
    if activity is None or message.sent_by is None:
        return
    if activity.state == ActivityState.OPEN:
        activity_complete(activity=activity, actor=message.sent_by)
    regarding = activity.regarding
    if regarding is not None:
        record_event(record=regarding, actor=message.sent_by, action=EventType.EMAIL_SENT,
                     note=message.subject[:500],
                     data={"message": message.pk, "message_id": message.message_id,
                           "to": list(message.to)})


def _sent_folder(box) -> str:
    folders = box.folder.list()
    for info in folders:
        if "\\Sent" in info.flags:
            return info.name
    names = {info.name.lower(): info.name for info in folders}
    for candidate in ("sent", "sent items", "sent messages", "inbox/sent", "inbox.sent"):
        if candidate in names:
            return names[candidate]
    box.folder.create("Sent")
    return "Sent"


def copy_to_sent(message: EmailMessage, raw: bytes) -> bool:
    """Append the sent message to the mailbox's Sent folder (seen). A failure here does not
    unsend anything: it is noted on the message and logged."""
    from imap_tools import MailMessageFlags

    try:
        with imap_connect(message.mailbox) as box:
            box.append(raw, _sent_folder(box), dt=timezone.now(),
                       flag_set=[MailMessageFlags.SEEN])
    except Exception as exc:
        logger.warning("email %s sent but not copied to Sent: %s", message.pk, exc)
        EmailMessage.objects.filter(pk=message.pk).update(
            error=_("Sent, but the copy could not be saved in the Sent folder: %(e)s")
            % {"e": exc})
        return False
    return True


def requeue_unclaimed(*, older_than_seconds: int = 300) -> int:
    """Queue again the messages waiting in `sending` that no worker ever claimed (a lost
    task). Safe: an unclaimed message was never handed to SMTP, and the claim still decides
    who sends it. A claimed one that never finished is left alone (it may have gone out)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(EmailMessage.objects.filter(
        status=EmailStatus.SENDING, send_claimed_at__isnull=True, updated_at__lt=cutoff,
        direction=EmailDirection.OUTGOING).order_by("pk").values_list("pk", flat=True)[:500])

    for message_id in ids:
        publish(send_message, message_id)
    return len(ids)


@shared_task(name="crm.mail.send_pending", ignore_result=True)
def send_pending() -> int:
    """Beat: the safety net for outgoing messages whose task was lost."""
    return requeue_unclaimed()


@shared_task(name="crm.mail.send_message", acks_late=True, max_retries=0)
def send_message(message_id: int) -> str:
    """Thin adapter: deliver one stored outgoing message (idempotent by its claim)."""
    return message_deliver(message_id=message_id)
