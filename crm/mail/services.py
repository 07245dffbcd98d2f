"""Every write of the email core: mailboxes, storing synced messages, linking, untracking.

`message_store` is the heart of the sync: one message is stored once by its Message-ID however
many mailboxes carry it; mail is stored only when a known contact or open lead takes part, when
it belongs to a tracked thread, or when it arrives in a queue mailbox (privacy first); a user's
never-track list and the messages they untracked are honoured. Whatever is not stored is still
remembered by (mailbox, folder, UID), so it is never fetched again.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.activities.models import REGARDING_FIELDS, Activity, ActivityKind, ActivityState, Event
from crm.activities.services import _queue_sync, activity_create, activity_delete, resolve_regarding
from crm.activities.signals import activity_completed
from crm.activities.tasks import sync_timeline_items
from crm.assistant.signals import refresh_on_commit
from crm.common.queue import enqueue_on_commit
from crm.common.registries import record_types
from crm.common.visibility import is_admin
from crm.users.models import User

from . import linking, registry
from .connection import test_imap, test_smtp
from .linking import LinkContext, LinkResult
from .models import (
    EmailAttachment,
    EmailDirection,
    EmailMessage,
    EmailStatus,
    EmailThread,
    Mailbox,
    MailboxKind,
    MailboxMessage,
    MailboxState,
    NeverTrack,
    UntrackedMessage,
)
from .parsing import ParsedMessage, strip_subject_prefixes

log = logging.getLogger(__name__)


SKIP_PRIVATE = "private"
SKIP_NEVER_TRACK = "never_track"
SKIP_UNTRACKED = "untracked"
SKIP_FAILED = "failed"

DESCRIPTION_MAX = 20_000


# --- mailboxes ----------------------------------------------------------------------------------
MAILBOX_FIELDS = ["kind", "address", "display_name", "imap_host", "imap_port", "imap_security",
                  "smtp_host", "smtp_port", "smtp_security", "username", "folders"]


def _check_can_manage(actor, mailbox: Mailbox) -> None:
    if mailbox.kind == MailboxKind.QUEUE and not is_admin(actor):
        raise PermissionDenied(_("Only an administrator manages queue mailboxes."))
    if mailbox.kind == MailboxKind.PERSONAL and mailbox.owner_id != actor.pk and not is_admin(
            actor):
        raise PermissionDenied(_("You can only manage your own mailbox."))


@transaction.atomic
def mailbox_save(
        *, actor: User, mailbox: Mailbox | None = None, password: str | None = None,
        owner: User | None = None, kind: str | None = None, address: str | None = None,
        display_name: str | None = None, imap_host: str | None = None,
        imap_port: int | None = None, imap_security: str | None = None,
        smtp_host: str | None = None, smtp_port: int | None = None,
        smtp_security: str | None = None, username: str | None = None,
        folders: list[str] | None = None,
) -> Mailbox:
    """Create or change a mailbox; a field given as None keeps its value (a new mailbox: the
    default). A blank/None `password` keeps the stored one.

    A personal mailbox belongs to the actor (one per user); queue mailboxes are an admin's.
    Changing the connection re-enables a disabled mailbox (the owner fixed it).
    """
    data = {"kind": kind, "address": address, "display_name": display_name,
            "imap_host": imap_host, "imap_port": imap_port, "imap_security": imap_security,
            "smtp_host": smtp_host, "smtp_port": smtp_port, "smtp_security": smtp_security,
            "username": username, "folders": folders}
    creating = mailbox is None
    if mailbox is None:
        mailbox = Mailbox(owner=owner or actor)
    else:
        mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    for name in MAILBOX_FIELDS:
        if name in data and data[name] is not None:
            setattr(mailbox, name, data[name])
    if mailbox.kind == MailboxKind.PERSONAL and creating:
        mailbox.owner = actor if not is_admin(actor) else mailbox.owner
    _check_can_manage(actor, mailbox)
    folders = [str(f).strip() for f in (mailbox.folders or []) if str(f).strip()]
    mailbox.folders = folders or ["INBOX", "Sent"]
    mailbox.address = (mailbox.address or "").strip().lower()
    if not mailbox.username:
        mailbox.username = mailbox.address
    if password:
        mailbox.set_password(password)
    if creating and not mailbox.password_encrypted:
        raise ValidationError({"password": [_("Enter the mailbox password.")]})
    if (mailbox.kind == MailboxKind.PERSONAL and Mailbox.objects.filter(
            kind=MailboxKind.PERSONAL, owner=mailbox.owner).exclude(pk=mailbox.pk).exists()):
        raise ValidationError({"address": [_("You already have a mailbox. Change that one.")]})
    mailbox.full_clean(exclude=["owner", "password_encrypted"])
    if not creating and mailbox.state == MailboxState.DISABLED:
        mailbox.state = MailboxState.OK
        mailbox.auth_failures = 0
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_delete(*, actor: User, mailbox: Mailbox) -> None:
    _check_can_manage(actor, mailbox)
    mailbox.delete()


def mailbox_test_connection(*, mailbox: Mailbox, password: str | None = None) -> dict:
    """Log in to both servers; each answers `{"ok", "message"}` with the server's own words."""
    password = password or mailbox.get_password()
    return {"imap": test_imap(mailbox, password), "smtp": test_smtp(mailbox, password)}


# --- storing synced messages --------------------------------------------------------------------
@dataclass
class StoreContext:
    """What `message_store` needs to know about a batch, loaded in a few queries."""

    mailbox: Mailbox
    link: LinkContext
    never_track: list[str] = field(default_factory=list)
    untracked: set[str] = field(default_factory=set)
    existing: dict[str, int] = field(default_factory=dict)  # message_id -> EmailMessage pk
    # message_id -> thread id of a stored reply to it (the reply was synced first)
    children: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, mailbox: Mailbox, parsed_list) -> "StoreContext":
        addresses, ids = set(), set()
        for parsed in parsed_list:
            addresses.update(parsed.participants)
            ids.add(parsed.message_id)
            ids.update(parsed.thread_ids)
        ids = sorted(ids)
        existing = {}
        for start in range(0, len(ids), 1000):
            existing.update(EmailMessage.objects.filter(message_id__in=ids[start:start + 1000])
                            .values_list("message_id", "pk"))
        own_ids = sorted({p.message_id for p in parsed_list})
        children = {}
        for start in range(0, len(own_ids), 1000):
            for parent, thread_id in (EmailMessage.objects
                                      .filter(in_reply_to__in=own_ids[start:start + 1000],
                                              thread__isnull=False)
                                      .values_list("in_reply_to", "thread_id")):
                children.setdefault(parent, thread_id)
        untracked = set()
        if mailbox.owner_id:
            untracked = set(UntrackedMessage.objects.filter(
                user_id=mailbox.owner_id, message_id__in=ids).values_list("message_id",
                                                                           flat=True))
        return cls(
            mailbox=mailbox,
            link=LinkContext.build(addresses, own_addresses(addresses, mailbox)),
            never_track=[p.lower() for p in NeverTrack.objects.filter(
                user_id=mailbox.owner_id).values_list("pattern", flat=True)],
            untracked=untracked, existing=existing, children=children,
        )


def own_addresses(addresses, mailbox: Mailbox) -> set[str]:
    """Addresses among `addresses` that are ours: this mailbox, any mailbox, any user."""
    addresses = sorted({a.lower() for a in addresses if a})
    own = {mailbox.address.lower()}
    if addresses:
        own.update(Mailbox.objects.annotate(a=Lower("address")).filter(a__in=addresses)
                   .values_list("a", flat=True))
        own.update(get_user_model().objects.annotate(a=Lower("email")).filter(a__in=addresses)
                   .values_list("a", flat=True))
    return own


def never_tracked(patterns, addresses) -> bool:
    for address in addresses:
        domain = "@" + linking.domain_of(address)
        for pattern in patterns:
            if pattern == address or (pattern.startswith("@") and (
                    domain == pattern or domain.endswith("." + pattern[1:]))):
                return True
    return False


def _thread_for(parsed: ParsedMessage, ctx: StoreContext) -> EmailThread | None:
    ids = [ctx.existing[i] for i in parsed.thread_ids if i in ctx.existing]
    if not ids:
        # A reply synced before this message (Sent synced after INBOX): join its thread.
        child_thread = ctx.children.get(parsed.message_id)
        return EmailThread.objects.filter(pk=child_thread).first() if child_thread else None
    rows = dict(EmailMessage.objects.filter(pk__in=ids, thread__isnull=False)
                .values_list("pk", "thread_id"))
    for pk in ids:  # In-Reply-To first, then the newest reference
        if pk in rows:
            return EmailThread.objects.get(pk=rows[pk])
    return None


def _remember(mailbox, folder, uid, message=None, skipped="", error="") -> None:
    if uid is None:
        return
    MailboxMessage.objects.update_or_create(
        mailbox=mailbox, folder=folder, uid=uid,
        defaults={"message": message, "skipped": skipped, "error": error[:2000]},
    )


def _save_attachments(message: EmailMessage, parsed: ParsedMessage) -> None:
    for item in parsed.attachments:
        attachment = EmailAttachment(
            message=message, filename=item.filename or "attachment",
            content_type=item.content_type, size=item.size, content_id=item.content_id,
            skipped_reason=item.skipped_reason,
        )
        if item.payload is not None:
            attachment.file.save(item.filename or "attachment", ContentFile(item.payload),
                                 save=False)
        attachment.save()


def _load_record(record_type: str, record_id: int):
    rt = record_types.get(record_type)
    return rt.model._default_manager.filter(pk=record_id).first()


def _activity_for(message: EmailMessage, record, owner, actor) -> Activity:
    """The completed email activity that puts `message` on `record`'s timeline."""
    activity = activity_create(
        actor=actor, owner=owner, kind=ActivityKind.EMAIL, regarding=record, completed=True,
        subject=(message.subject or _("(no subject)"))[:200],
        description=(message.text or "")[:DESCRIPTION_MAX],
        direction=message.direction,
        email_from=(message.from_address or "")[:254],
        email_to=", ".join(message.to + message.cc)[:1000],
    )
    when = message.sent_at or timezone.now()
    Activity.objects.filter(pk=activity.pk).update(created_at=when, completed_at=when)
    activity.created_at = activity.completed_at = when
    return activity


def _link(message: EmailMessage, result: LinkResult, owner, actor) -> bool:
    record = _load_record(result.record_type, result.record_id)
    if record is None:
        return False
    activity = _activity_for(message, record, owner, actor)
    message.activity = activity
    message.save(update_fields=["activity"])
    thread = message.thread
    if thread is not None and not thread.regarding_id:
        thread.regarding_type, thread.regarding_id = result.record_type, result.record_id
        thread.save(update_fields=["regarding_type", "regarding_id"])
    if message.direction == EmailDirection.INCOMING:
        record_event(record=record, actor=None, action=EventType.EMAIL_RECEIVED,
                     note=(message.subject or "")[:200],
                     data={"email_id": message.pk, "from": message.from_address,
                           "rule": result.rule})
    return True


def _touch_thread(thread: EmailThread, message: EmailMessage) -> None:
    updates = {"message_count": F("message_count") + 1}
    if message.sent_at and (thread.last_message_at is None
                            or message.sent_at > thread.last_message_at):
        updates["last_message_at"] = message.sent_at
    EmailThread.objects.filter(pk=thread.pk).update(**updates)


def _refresh_cards(message: EmailMessage) -> None:
    ids = [message.pk]
    if message.thread_id:
        ids += list(EmailMessage.objects.filter(thread_id=message.thread_id)
                    .exclude(pk=message.pk).values_list("pk", flat=True)[:50])
    refresh_on_commit("email", *ids)


def _direction(parsed: ParsedMessage, mailbox: Mailbox, folder: str) -> str:
    if parsed.from_address and parsed.from_address == mailbox.address.lower():
        return EmailDirection.OUTGOING
    if folder.lower() in ("sent", "sent items", "sent messages", "inbox.sent"):
        return EmailDirection.OUTGOING
    return EmailDirection.INCOMING


def skip_reason(parsed: ParsedMessage, mailbox: Mailbox, ctx: StoreContext) -> str:
    """Why a new message is not tracked ("" when it is): the privacy filter, in SQL-free form
    (everything it needs is in the batch context)."""
    if parsed.message_id in ctx.untracked:
        return SKIP_UNTRACKED
    if parsed.message_id in ctx.existing:
        return ""
    participants = parsed.participants
    if never_tracked(ctx.never_track, ctx.link.external(participants)):
        return SKIP_NEVER_TRACK
    if mailbox.kind == MailboxKind.QUEUE or ctx.link.is_known(participants):
        return ""
    if any(i in ctx.existing for i in parsed.thread_ids) or parsed.message_id in ctx.children:
        return ""  # a message of a tracked thread
    return SKIP_PRIVATE


def remember_skipped(mailbox: Mailbox, folder: str, items) -> None:
    """Remember many untracked UIDs at once: `items` = [(uid, reason, error)]."""
    rows = [MailboxMessage(mailbox=mailbox, folder=folder, uid=uid, skipped=reason,
                           error=error[:2000]) for uid, reason, error in items]
    if rows:
        MailboxMessage.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True,
            unique_fields=["mailbox", "folder", "uid"], update_fields=["message", "skipped",
                                                                       "error"])


@transaction.atomic
def message_store(*, parsed: ParsedMessage, mailbox: Mailbox, folder: str, uid: int | None,
                  ctx: StoreContext | None = None) -> EmailMessage | None:
    """Store one synced message (or only remember its UID); returns the message if tracked."""
    return message_store_in_batch(parsed=parsed, mailbox=mailbox, folder=folder, uid=uid,
                                  ctx=ctx, batch=None)


def message_store_in_batch(*, parsed: ParsedMessage, mailbox: Mailbox, folder: str,
                           uid: int | None, ctx: StoreContext | None,
                           batch: "LinkBatch | None") -> EmailMessage | None:
    """`message_store` for the sync, inside the caller's transaction (one savepoint per
    message there). With a `batch`, the UID rows, email activities, events and card refreshes
    of the whole batch are written together by `batch.flush()`; a duplicate Message-ID stored
    meanwhile by another mailbox's sync raises IntegrityError (the caller attaches instead).
    """
    ctx = ctx or StoreContext.build(mailbox, [parsed])
    owner = mailbox.owner
    existing_pk = ctx.existing.get(parsed.message_id)
    if existing_pk is None and batch is None:
        existing_pk = (EmailMessage.objects.filter(message_id=parsed.message_id)
                       .values_list("pk", flat=True).first())
    if parsed.message_id in ctx.untracked:
        _remember(mailbox, folder, uid, skipped=SKIP_UNTRACKED)
        return None
    if existing_pk is not None:
        return message_attach(message_pk=existing_pk, mailbox=mailbox, folder=folder, uid=uid)

    reason = skip_reason(parsed, mailbox, ctx)
    if reason:
        _remember(mailbox, folder, uid, skipped=reason)
        return None
    thread = _thread_for(parsed, ctx)

    direction = _direction(parsed, mailbox, folder)
    new_thread = thread is None
    if new_thread:
        thread = EmailThread.objects.create(
            subject=strip_subject_prefixes(parsed.subject)[:500],
            last_message_at=parsed.sent_at, message_count=1)
    try:
        with transaction.atomic(savepoint=batch is None):
            message = EmailMessage.objects.create(
                message_id=parsed.message_id, thread=thread, in_reply_to=parsed.in_reply_to,
                references=" ".join(parsed.references), direction=direction,
                from_address=parsed.from_address, from_name=parsed.from_name,
                to=parsed.to, cc=parsed.cc, subject=parsed.subject, sent_at=parsed.sent_at,
                text=parsed.text, html=parsed.html, size=parsed.size,
                status=EmailStatus.SENT if direction == EmailDirection.OUTGOING
                else EmailStatus.RECEIVED,
                error="; ".join(parsed.notes)[:5000],
                sent_by=owner if direction == EmailDirection.OUTGOING else None,
            )
    except IntegrityError:
        if batch is not None:
            raise
        # Another mailbox's sync stored the same message a moment ago.
        message = EmailMessage.objects.get(message_id=parsed.message_id)
        _remember(mailbox, folder, uid, message=message)
        message.tracked_by.add(owner)
        return message
    ctx.existing[parsed.message_id] = message.pk
    EmailMessage.tracked_by.through.objects.create(emailmessage_id=message.pk, user_id=owner.pk)
    if batch is not None:
        batch.rows.append(MailboxMessage(mailbox=mailbox, folder=folder, uid=uid,
                                         message=message))
    else:
        _remember(mailbox, folder, uid, message=message)
    _save_attachments(message, parsed)
    if not new_thread:
        _touch_thread(thread, message)

    incoming = direction == EmailDirection.INCOMING
    result = linking.resolve(parsed=parsed, incoming=incoming, thread=thread, ctx=ctx.link)
    if mailbox.kind == MailboxKind.QUEUE and incoming and (result is None
                                                           or result.rule == "domain"):
        for handler in registry.queue_handlers:
            handled = handler(message=message, parsed=parsed, mailbox=mailbox)
            if handled:
                result = LinkResult(handled[0], handled[1], "queue")
                break
    if result is not None and batch is not None:
        if not thread.regarding_id:  # later messages of this batch follow the thread
            thread.regarding_type, thread.regarding_id = result.record_type, result.record_id
            thread.save(update_fields=["regarding_type", "regarding_id"])
        batch.add(message, result, owner)
        return message
    if result is not None:
        _link(message, result, owner, owner)
    _refresh_cards(message)
    return message


def message_attach(*, message_pk: int, mailbox: Mailbox, folder: str, uid) -> EmailMessage:
    """A message already in the CRM is in this mailbox too: remember where, who tracks it."""
    message = EmailMessage.objects.get(pk=message_pk)
    _remember(mailbox, folder, uid, message=message)
    message.tracked_by.add(mailbox.owner)
    return message


class LinkBatch:
    """The email activities of a sync batch, written in a few statements.

    Each tracked message that found its record gets its completed email activity (owner = the
    mailbox owner, dated when the mail was sent), an `email.received` event for incoming mail,
    one timeline aggregation task and one card refresh per record type for the whole batch.
    """

    def __init__(self):
        self.items: list[tuple[EmailMessage, LinkResult, object]] = []
        self.rows: list[MailboxMessage] = []

    def add(self, message: EmailMessage, result: LinkResult, owner) -> None:
        self.items.append((message, result, owner))

    @transaction.atomic
    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if rows:
            MailboxMessage.objects.bulk_create(
                rows, batch_size=500, update_conflicts=True,
                unique_fields=["mailbox", "folder", "uid"],
                update_fields=["message", "skipped", "error"])
        items, self.items = self.items, []
        if not items:
            return
        now = timezone.now()
        activities, events = [], []
        for message, result, owner in items:
            when = message.sent_at or now
            activity = Activity(
                kind=ActivityKind.EMAIL, state=ActivityState.COMPLETED, owner=owner,
                subject=(message.subject or _("(no subject)"))[:200],
                description=(message.text or "")[:DESCRIPTION_MAX],
                direction=message.direction, email_from=(message.from_address or "")[:254],
                email_to=", ".join(message.to + message.cc)[:1000],
                completed_at=when, created_at=when, timeline_synced=False,
            )
            setattr(activity, f"{REGARDING_FIELDS[result.record_type]}_id", result.record_id)
            activities.append(activity)
        Activity.objects.bulk_create(activities, batch_size=500)
        by_type: dict[str, set[int]] = {}
        for (message, result, _owner), activity in zip(items, activities, strict=True):
            message.activity_id = activity.pk
            by_type.setdefault(result.record_type, set()).add(result.record_id)
            if message.direction == EmailDirection.INCOMING:
                events.append(Event(
                    record_type=result.record_type, record_id=result.record_id,
                    action=EventType.EMAIL_RECEIVED, note=(message.subject or "")[:200],
                    data={"email_id": message.pk, "from": message.from_address,
                          "rule": result.rule},
                    occurred_at=message.sent_at or now))
        EmailMessage.objects.bulk_update([m for m, _r, _o in items], ["activity"],
                                         batch_size=500)
        Event.objects.bulk_create(events, batch_size=500)
        enqueue_on_commit(sync_timeline_items, activity_ids=[a.pk for a in activities],
                          event_ids=[e.pk for e in events])
        for record_type, ids in by_type.items():
            refresh_on_commit(record_type, *ids)
        thread_ids = {m.thread_id for m, _r, _o in items if m.thread_id}
        refresh_on_commit("email", *EmailMessage.objects.filter(
            thread_id__in=thread_ids).values_list("pk", flat=True))
        for (message, _result, owner), activity in zip(items, activities, strict=True):
            if message.direction == EmailDirection.OUTGOING:
                # An email we sent counts as contact (a new lead becomes "contacted").
                activity_completed.send(sender=Activity, activity=activity, actor=owner)


@transaction.atomic
def message_record_failure(*, mailbox: Mailbox, folder: str, uid: int, reason: str) -> None:
    """A message that could not be parsed or stored: remembered with the reason, never retried
    in a loop (the mailbox's other messages go on)."""
    _remember(mailbox, folder, uid, skipped=SKIP_FAILED, error=reason)


# --- linking and untracking by hand -------------------------------------------------------------
@transaction.atomic
def message_link(*, message: EmailMessage, record_type: str, record_id: int | str,
                 actor: User) -> EmailMessage:
    """Link a message (and its thread) to a record the actor may read; a linked message moves."""
    if record_type not in linking.LINKABLE_TYPES:
        raise ValidationError({"regarding_type": [
            _("Choose one of: %(types)s.") % {"types": ", ".join(linking.LINKABLE_TYPES)}]})
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise ValidationError({"regarding_id": [_("Enter a record id.")]}) from None
    record = resolve_regarding(user=actor, record_type=record_type, record_id=record_id)
    message = EmailMessage.objects.select_for_update().get(pk=message.pk)
    # The whole thread moves with it (its later messages follow the thread's record anyway).
    others = []
    if message.thread_id:
        others = list(EmailMessage.objects.select_for_update().filter(
            thread_id=message.thread_id).exclude(pk=message.pk).order_by("pk")[:500])
        EmailThread.objects.filter(pk=message.thread_id).update(
            regarding_type=record_type, regarding_id=record.pk)
    for item in [message, *others]:
        _relink(item, record_type, record, actor)
    message.tracked_by.add(actor)
    _refresh_cards(message)
    return message


def _relink(message: EmailMessage, record_type: str, record, actor) -> None:
    if message.activity_id:
        activity = message.activity
        if (activity.regarding_type, activity.regarding_id) == (record_type, record.pk):
            return
        activity.set_regarding(record_type, record)
        activity.timeline_synced = False
        activity.save()
        _queue_sync(activity)
    else:
        message.activity = _activity_for(message, record, actor, actor)
        message.save(update_fields=["activity"])


@transaction.atomic
def message_untrack(*, message: EmailMessage, actor: User) -> None:
    """Remove a message from the CRM; the actor's mailboxes never bring it back."""
    message = EmailMessage.objects.select_for_update().get(pk=message.pk)
    UntrackedMessage.objects.get_or_create(user=actor, message_id=message.message_id)
    for user_id in message.tracked_by.values_list("pk", flat=True):
        UntrackedMessage.objects.get_or_create(user_id=user_id, message_id=message.message_id)
    MailboxMessage.objects.filter(message=message).update(message=None, skipped=SKIP_UNTRACKED)
    activity = message.activity
    message.activity = None
    message.save(update_fields=["activity"])
    if activity is not None:
        activity_delete(activity=activity, actor=actor)
    for attachment in message.attachments.all():
        if attachment.file:
            attachment.file.delete(save=False)
    thread_id = message.thread_id
    message.delete()
    if thread_id:
        thread = EmailThread.objects.filter(pk=thread_id).first()
        if thread is not None:
            if not thread.messages.exists():
                thread.delete()
            else:
                EmailThread.objects.filter(pk=thread_id).update(
                    message_count=thread.messages.count())


@transaction.atomic
def never_track_add(*, actor: User, pattern: str) -> NeverTrack:
    pattern = (pattern or "").strip().lower()
    if not pattern or " " in pattern or "@" not in pattern or (
            not pattern.startswith("@") and pattern.count("@") != 1):
        raise ValidationError({"pattern": [
            _("Enter an address (name@example.com) or a domain (@example.com).")]})
    entry, _created = NeverTrack.objects.get_or_create(user=actor, pattern=pattern[:320])
    return entry


@transaction.atomic
def never_track_remove(*, actor: User, entry: NeverTrack) -> None:
    if entry.user_id != actor.pk:
        raise PermissionDenied
    entry.delete()


# --- mailbox state ------------------------------------------------------------------------------
def mailbox_record_success(mailbox: Mailbox, notes=()) -> None:
    """A run went through: state ok; notes (a missing folder) stay visible as last_error."""
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        state=MailboxState.OK, last_sync_at=now, last_error="; ".join(notes)[:2000],
        auth_failures=0, version=F("version") + 1, updated_at=now)


def mailbox_record_failure(mailbox: Mailbox, message: str, *, auth: bool = False) -> str:
    """Remember the server's error; after N auth failures in a row the mailbox is disabled and
    its owner gets an assistant card. Returns the new state."""
    mailbox.refresh_from_db(fields=["auth_failures", "state"])
    failures = mailbox.auth_failures + 1 if auth else mailbox.auth_failures
    state = MailboxState.FAILING
    if auth and failures >= settings.CRM_MAIL_DISABLE_AFTER_AUTH_FAILURES:
        state = MailboxState.DISABLED
    now = timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        state=state, last_error=message[:2000], last_error_at=now, auth_failures=failures,
        version=F("version") + 1, updated_at=now)
    if state == MailboxState.DISABLED:
        refresh_on_commit("mailbox", mailbox.pk)
    return state


def unlinked_filter(user) -> Q:
    return Q(activity__isnull=True, tracked_by=user)
