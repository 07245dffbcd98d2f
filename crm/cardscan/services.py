"""Every write of the card scanner: take a photo in, read it (inline or in Celery), save what
the seller confirmed as a contact (leads are saved by `leads/cardscan_views.py` through
`leads.services.lead_create`, then `card_scan_attach`)."""

from __future__ import annotations

import io
import logging
import secrets
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.common.codes import RefusalReason, ScanErrorCode
from crm.common.errors import RecordLocked
from crm.common.queue import enqueue_on_commit
from crm.common.visibility import check_can_change
from crm.customers import services as customer_services
from crm.customers.models import Account, Contact
from crm.users.models import User

from .images import MAX_BYTES, CardImageError, load_card_image
from .models import CardScan, ScanStatus, ScanTarget
from .ocr import OcrUnavailable
from .pipeline import scan_card

logger = logging.getLogger(__name__)
STORED_MAX_SIDE = 1600


def read_upload(upload: File[Any]) -> bytes:
    """The upload's bytes, never reading more than the limit plus one byte."""
    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise CardImageError(
            ScanErrorCode.TOO_LARGE,
            _("The image is %(size).1f MB; the limit is 10 MB.") % {
                "size": upload.size / 1024 / 1024},
        )
    upload.seek(0)
    data: bytes = upload.read(MAX_BYTES + 1)
    return data


def _stored_copy(data: bytes) -> tuple[bytes, str]:
    """An upright JPEG of at most 1600 px without the photo's metadata (GPS position...)."""
    card = load_card_image(data)
    image = card.image.copy()
    image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue(), "image/jpeg"


def worker_configured() -> bool:
    return not current_app.conf.task_always_eager


def card_scan_create(*, actor: User, data: bytes, target: str = ScanTarget.CONTACT,
                     inline: bool | None = None) -> CardScan:
    """Store a card photo and read it: in a Celery task when a worker is configured (the page
    polls), inline otherwise or when `inline` (the API answers with the fields at once).
    Refuses a bad upload with `CardImageError` before storing anything."""
    stored, content_type = _stored_copy(data)  # raises CardImageError
    token = secrets.token_hex(16)
    in_worker = worker_configured() if inline is None else not inline
    with transaction.atomic():
        scan = CardScan(owner=actor, token=token, target=target, content_type=content_type)
        scan.image.save(f"{token}.jpg", ContentFile(stored), save=False)
        scan.save()
        if in_worker:
            enqueue_on_commit("crm.cardscan.run_scan", scan.pk)  # tasks.run_card_scan
    if not in_worker:
        card_scan_run(scan_id=scan.pk, data=data)
        scan.refresh_from_db()
    return scan


def card_scan_run(*, scan_id: int, data: bytes | None = None) -> CardScan | None:
    """Read a pending scan (idempotent: a finished scan is left alone)."""
    with transaction.atomic():
        scan = CardScan.objects.select_for_update().filter(pk=scan_id).first()
        if scan is None or scan.status != ScanStatus.PENDING:
            return scan
        if data is None:
            with scan.image.open("rb") as handle:
                data = handle.read()
    try:
        result = scan_card(data)
    except CardImageError as exc:
        return _finish(scan_id, status=ScanStatus.FAILED, error_code=exc.code, error=exc.message)
    except OcrUnavailable as exc:
        logger.error("card scan %s: OCR unavailable: %s", scan_id, exc)
        return _finish(scan_id, status=ScanStatus.FAILED, error_code=ScanErrorCode.OCR_UNAVAILABLE,
                       error=_("The text recognition engine is not available. Enter the card "
                               "by hand or try again later."))
    # Phones are stored in E.164; how the card printed them is kept beside them for display.
    fields = {**result.fields, "printed": dict(result.parsed.printed)}
    return _finish(scan_id, status=ScanStatus.DONE, fields=fields,
                   confidence=result.confidence, raw_text=result.text,
                   duration_ms=int(result.seconds * 1000))


def _finish(scan_id: int, **changes: Any) -> CardScan | None:
    with transaction.atomic():
        scan = CardScan.objects.select_for_update().filter(pk=scan_id).first()
        if scan is None or scan.status != ScanStatus.PENDING:
            return scan
        for name, value in changes.items():
            setattr(scan, name, value)
        scan.finished_at = timezone.now()
        scan.save()
    return scan


def _lock_for_save(scan: CardScan, actor: User) -> CardScan:
    scan = CardScan.objects.select_for_update().get(pk=scan.pk)
    check_can_change(actor, scan)
    if scan.status == ScanStatus.SAVED:
        raise RecordLocked(_("This card was already saved."), reason=RefusalReason.NOT_EDITABLE)
    return scan


def card_scan_attach(*, scan: CardScan, record: Any, record_type: str,
                     actor: User) -> CardScan:
    """Link a scan to the record made from it; keep or delete the picture per the setting.

    Call it inside the transaction that created the record."""
    scan = _lock_for_save(scan, actor)
    scan.record_type = record_type
    scan.record_id = record.pk
    scan.status = ScanStatus.SAVED
    if scan.image and not settings.CRM_CARDSCAN_KEEP_IMAGE:
        name = str(scan.image.name)
        scan.image = ""
        transaction.on_commit(lambda: scan.image.storage.delete(name))
    scan.save()
    record_event(record=record, actor=actor, action=EventType.BUSINESS_CARD_SCANNED,
                 note=_("Created from a scanned business card."),
                 data={"scan": scan.pk, "image_kept": bool(scan.image)})
    return scan


CONTACT_FIELDS = ["first_name", "last_name", "job_title", "email", "business_phone",
                  "mobile_phone", "street", "city", "state", "postal_code", "country"]


@transaction.atomic
def card_scan_save_contact(*, scan: CardScan, actor: User, data: dict[str, Any],
                           account: Account | None = None, create_account: bool = True,
                           owner: User | None = None) -> Contact:
    """Create the contact the seller confirmed, linked to `account`, to the account with the
    card's company name, or to a new account for it (`create_account`). The fax number and
    web site, which a contact has no field for, go to the new account and the description."""
    _lock_for_save(scan, actor)
    company = (data.get("company") or "").strip()
    if account is None and company:
        account = Account.objects.filter(name__iexact=company).order_by("id").first()
        if account is None and create_account:
            account = customer_services.account_create(
                actor=actor, owner=owner, name=company, website=data.get("website") or "",
                phone=data.get("business_phone") or "", street=data.get("street") or "",
                city=data.get("city") or "", state=data.get("state") or "",
                postal_code=data.get("postal_code") or "", country=data.get("country") or "",
            )
    notes = [line for line in [
        _("Fax: %s") % data["fax"] if data.get("fax") else "",
        _("Web site: %s") % data["website"] if data.get("website") else "",
        _("Company on the card: %s") % company if company and account is None else "",
    ] if line]
    contact = customer_services.contact_create(
        actor=actor, owner=owner, account=account, description="\n".join(notes),
        **{name: (data.get(name) or "").strip() for name in CONTACT_FIELDS},
    )
    card_scan_attach(scan=scan, record=contact, record_type="contact", actor=actor)
    return contact


def card_scan_purge_unsaved_images(*, older_than_hours: int = 24) -> int:
    """Delete the pictures of scans nobody saved (privacy: a card is personal data)."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    purged = 0
    for scan in CardScan.objects.filter(created_at__lt=cutoff, record_id__isnull=True).exclude(
            image=""):
        scan.image.delete(save=False)
        scan.image = ""
        scan.save(update_fields=["image"])
        purged += 1
    return purged
