"""IMAP sync of one mailbox: by UID, per folder, in bounded batches.

Per folder the mailbox remembers UIDVALIDITY and the last UID it committed. A run lists the
UIDs above it (with their sizes), fetches them in batches (at most `CRM_MAIL_SYNC_BATCH`
messages and `BATCH_BYTES` bytes), stores each batch and commits the batch's last UID: a
connection dropped mid-run leaves everything before that UID stored and nothing after it, so
the next run resumes with no gap and no duplicate (a message stored twice is also impossible:
Message-ID is unique). A new UIDVALIDITY means the server renumbered the folder: the folder is
scanned again and the Message-ID dedupe keeps it from storing anything twice.

A per-mailbox lease in the cache (Redis in production) keeps two runs from overlapping.
"""

import imaplib
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from imap_tools.errors import UnexpectedCommandStatusError
from imap_tools.imap_utf7 import utf7_encode

from . import services
from .connection import MailAuthError, MailConnectionError, imap_connect, server_message
from .models import EmailMessage, Mailbox, MailboxFolder, MailboxMessage, MailboxState
from .parsing import HEADER_FIELDS, MessageParseError, parse_message, quick_headers

log = logging.getLogger(__name__)

BATCH_BYTES = 64 * 1024 * 1024
LEASE_SECONDS = 15 * 60
UID_RE = re.compile(rb"UID (\d+)")
SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
INTERNALDATE_RE = re.compile(rb'INTERNALDATE "([^"]+)"')
SENT_NAMES = ("sent", "sent items", "sent messages", "sent mail", "[gmail]/sent mail")


@dataclass
class SyncResult:
    mailbox_id: int
    state: str = ""
    fetched: int = 0
    fetched_bodies: int = 0
    stored: int = 0
    skipped: int = 0
    failed: int = 0
    folders: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    locked: bool = False

    def as_dict(self) -> dict:
        return {"mailbox": self.mailbox_id, "state": self.state, "fetched": self.fetched,
                "fetched_bodies": self.fetched_bodies,
                "stored": self.stored, "skipped": self.skipped, "failed": self.failed,
                "notes": self.notes, "locked": self.locked}


class _Lease:
    def __init__(self, mailbox_id: int):
        self.key = f"mail:sync-lease:{mailbox_id}"
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return cache.add(self.key, self.token, LEASE_SECONDS)

    def renew(self) -> None:
        cache.touch(self.key, LEASE_SECONDS)

    def release(self) -> None:
        if cache.get(self.key) == self.token:
            cache.delete(self.key)


def _quote(name: str) -> str:
    encoded = utf7_encode(name).decode() if isinstance(utf7_encode(name), bytes) else name
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _resolve_folder(box, wanted: str, listing) -> str | None:
    names = [f.name for f in listing]
    if wanted in names:
        return wanted
    lowered = {n.lower(): n for n in names}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    if wanted.lower() in SENT_NAMES:  # the server calls it differently: use its \Sent folder
        for folder in listing:
            if "\\Sent" in folder.flags:
                return folder.name
    return None


def _parse_uid_sizes(data) -> list[tuple[int, int]]:
    result = []
    for item in data or []:
        line = item[0] if isinstance(item, tuple) else item
        if not isinstance(line, bytes):
            continue
        uid, size = UID_RE.search(line), SIZE_RE.search(line)
        if uid:
            result.append((int(uid.group(1)), int(size.group(1)) if size else 0))
    return result


def _parse_fetch(data) -> list[tuple[int, datetime | None, bytes]]:
    """imaplib's FETCH answer -> [(uid, internaldate, raw message)]."""
    items, current = [], None
    for part in data or []:
        if isinstance(part, tuple):
            if current is not None:
                items.append(current)
            current = [part[0], part[1]]
        elif isinstance(part, bytes) and current is not None:
            current[0] += b" " + part
    if current is not None:
        items.append(current)
    result = []
    for header, raw in items:
        uid = UID_RE.search(header)
        if not uid:
            continue
        internal = None
        found = INTERNALDATE_RE.search(header)
        if found:
            parsed = imaplib.Internaldate2tuple(b'INTERNALDATE "' + found.group(1) + b'"')
            if parsed is not None:
                import calendar

                internal = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
        result.append((int(uid.group(1)), internal, raw or b""))
    return result


def _batches(uid_sizes, batch_size: int):
    batch, total = [], 0
    for uid, size in uid_sizes:
        if batch and (len(batch) >= batch_size or total + size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


def _fetch(box, uids, parts: str):
    typ, data = box.client.uid("FETCH", ",".join(str(u) for u in uids), parts)
    if typ != "OK":
        raise UnexpectedCommandStatusError((typ, data), "OK")
    return _parse_fetch(data)


def store_uids(box, mailbox: Mailbox, folder: str, uids, result: SyncResult) -> None:
    """Fetch and store one batch of UIDs.

    The headers come first: mail the privacy filter rules out (no known contact or lead, no
    tracked thread, never-track) is remembered by UID and its body is never downloaded; a
    message the CRM already has (another mailbox carried it) only gets its (mailbox, UID) row.
    Only the rest is fetched whole, parsed and stored. A message that fails is recorded with
    the reason and the rest go on.
    """
    header_parts = f"(UID BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})])"
    infos = {uid: quick_headers(raw) for uid, _internal, raw in _fetch(box, uids, header_parts)}
    ctx = services.StoreContext.build(mailbox, [i for i in infos.values() if i is not None])
    skipped, existing, full = [], [], []
    for uid in uids:
        info = infos.get(uid)
        if info is None:
            full.append(uid)
            continue
        reason = services.skip_reason(info, mailbox, ctx)
        if reason:
            skipped.append((uid, reason, ""))
        elif info.message_id in ctx.existing:
            existing.append((uid, ctx.existing[info.message_id]))
        else:
            full.append(uid)
    with transaction.atomic():
        services.remember_skipped(mailbox, folder, skipped)
        for uid, message_pk in existing:
            services.message_attach(message_pk=message_pk, mailbox=mailbox, folder=folder,
                                    uid=uid)
    result.skipped += len(skipped)
    result.stored += len(existing)
    if full:
        fetched = _fetch(box, full, "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[])")
        result.fetched_bodies += len(fetched)
        store_batch(mailbox, folder, fetched, result)


def store_batch(mailbox: Mailbox, folder: str, fetched, result: SyncResult) -> None:
    """Parse and store whole messages; a message that fails is recorded, the rest go on."""
    parsed_items, failures = [], []
    for uid, internal, raw in fetched:
        try:
            parsed_items.append((uid, parse_message(raw, internal_date=internal)))
        except MessageParseError as exc:
            failures.append((uid, services.SKIP_FAILED, str(exc)))
        except Exception as exc:  # noqa: BLE001 - one bad message never blocks the mailbox
            log.exception("mail: parsing UID %s of mailbox %s failed", uid, mailbox.pk)
            failures.append((uid, services.SKIP_FAILED, f"{exc.__class__.__name__}: {exc}"))
    ctx = services.StoreContext.build(mailbox, [p for _, p in parsed_items])
    skipped, candidates = [], []
    for uid, parsed in parsed_items:
        reason = services.skip_reason(parsed, mailbox, ctx)
        (skipped.append((uid, reason, "")) if reason else candidates.append((uid, parsed)))
    services.remember_skipped(mailbox, folder, skipped + failures)
    result.skipped += len(skipped)
    result.failed += len(failures)
    batch = services.LinkBatch()
    with transaction.atomic():
        for uid, parsed in candidates:
            items, rows = len(batch.items), len(batch.rows)
            try:
                with transaction.atomic():
                    message = services.message_store_in_batch(
                        parsed=parsed, mailbox=mailbox, folder=folder, uid=uid, ctx=ctx,
                        batch=batch)
            except IntegrityError:
                # Another mailbox's sync stored this Message-ID meanwhile: carry that one.
                del batch.items[items:], batch.rows[rows:]
                pk = (EmailMessage.objects.filter(message_id=parsed.message_id)
                      .values_list("pk", flat=True).first())
                if pk is not None:
                    services.message_attach(message_pk=pk, mailbox=mailbox, folder=folder,
                                            uid=uid)
                    result.stored += 1
                    continue
                services.message_record_failure(mailbox=mailbox, folder=folder, uid=uid,
                                                reason="duplicate Message-ID")
                result.failed += 1
                continue
            except Exception as exc:  # noqa: BLE001
                log.exception("mail: storing UID %s of mailbox %s failed", uid, mailbox.pk)
                ctx.existing.pop(parsed.message_id, None)
                del batch.items[items:], batch.rows[rows:]
                services.message_record_failure(mailbox=mailbox, folder=folder, uid=uid,
                                                reason=f"{exc.__class__.__name__}: {exc}")
                result.failed += 1
                continue
            if message is None:
                result.skipped += 1
            else:
                result.stored += 1
        batch.flush()


def _sync_folder(box, mailbox: Mailbox, name: str, result: SyncResult, *, batch_size: int,
                 lease: _Lease, after_batch=None) -> None:
    typ, _data = box.client.select(_quote(name), readonly=True)
    if typ != "OK":
        result.notes.append(f"{name}: {server_message(UnexpectedCommandStatusError((typ, _data), 'OK'))}")
        return
    _typ, values = box.client.response("UIDVALIDITY")
    uidvalidity = int(values[0]) if values and values[0] else None
    state, _created = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=name)
    if state.uidvalidity != uidvalidity:
        with transaction.atomic():
            if state.uidvalidity is not None:
                # Renumbered: the old UIDs mean nothing now; scan again (Message-ID dedupes).
                MailboxMessage.objects.filter(mailbox=mailbox, folder=name).delete()
                result.notes.append(f"{name}: UIDVALIDITY changed, folder scanned again")
            state.uidvalidity = uidvalidity
            state.last_uid = 0
            state.save()
    typ, data = box.client.uid("FETCH", f"{state.last_uid + 1}:*", "(UID RFC822.SIZE)")
    if typ != "OK":
        raise UnexpectedCommandStatusError((typ, data), "OK")
    # "n:*" also answers the highest UID when it is below n: keep only what is new.
    uid_sizes = sorted(p for p in _parse_uid_sizes(data) if p[0] > state.last_uid)
    folder_count = 0
    for batch in _batches(uid_sizes, batch_size):
        store_uids(box, mailbox, name, batch, result)
        result.fetched += len(batch)
        folder_count += len(batch)
        # Commit the batch's last UID only once the batch is stored.
        MailboxFolder.objects.filter(pk=state.pk).update(last_uid=max(batch),
                                                         last_sync_at=timezone.now())
        state.last_uid = max(batch)
        lease.renew()
        if after_batch is not None:
            after_batch(name, batch)
    MailboxFolder.objects.filter(pk=state.pk).update(last_sync_at=timezone.now())
    result.folders[name] = folder_count


def mailbox_sync(mailbox_id: int, *, batch_size: int | None = None, after_batch=None,
                 force: bool = False) -> SyncResult:
    """Sync one mailbox's folders. Never raises for server trouble: the mailbox's state,
    last_error (the server's words) and auth failure count say what happened."""
    result = SyncResult(mailbox_id=mailbox_id)
    mailbox = Mailbox.objects.select_related("owner").filter(pk=mailbox_id).first()
    if mailbox is None:
        result.state = "missing"
        return result
    if mailbox.state == MailboxState.DISABLED and not force:
        result.state = MailboxState.DISABLED
        return result
    lease = _Lease(mailbox.pk)
    if not lease.acquire():
        result.locked = True
        result.state = mailbox.state
        return result
    batch_size = batch_size or settings.CRM_MAIL_SYNC_BATCH
    try:
        try:
            box = imap_connect(mailbox)
        except MailAuthError as exc:
            result.state = services.mailbox_record_failure(mailbox, str(exc), auth=True)
            result.notes.append(str(exc))
            return result
        except MailConnectionError as exc:
            result.state = services.mailbox_record_failure(mailbox, str(exc))
            result.notes.append(str(exc))
            return result
        try:
            listing = box.folder.list()
            for wanted in mailbox.folders or ["INBOX"]:
                name = _resolve_folder(box, wanted, listing)
                if name is None:
                    result.notes.append(f"{wanted}: no such folder on the server")
                    continue
                _sync_folder(box, mailbox, name, result, batch_size=batch_size, lease=lease,
                             after_batch=after_batch)
        except (OSError, imaplib.IMAP4.error, UnexpectedCommandStatusError) as exc:
            message = server_message(exc) or exc.__class__.__name__
            result.state = services.mailbox_record_failure(mailbox, message)
            result.notes.append(message)
            return result
        finally:
            try:
                box.logout()
            except Exception:  # noqa: BLE001 - the connection may already be gone
                pass
        services.mailbox_record_success(mailbox, notes=result.notes)
        result.state = MailboxState.OK
        return result
    finally:
        lease.release()
