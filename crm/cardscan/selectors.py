from typing import Any

from django.db.models import QuerySet

from crm.common.registries import record_types
from crm.common.visibility import get_readable_or_404, scope_readable
from crm.users.models import User

from .models import CardScan


def card_scan_get(*, user: User, pk: Any) -> CardScan:
    """A scan the user may read: their own, or their team's / reports' as for owned records."""
    return get_readable_or_404(CardScan.objects.select_related("owner"), user, pk=pk)


def card_scan_image_readable(*, user: User, scan: CardScan) -> bool:
    """Who may see a card's picture: whoever may read the scan or the record it created."""
    if scope_readable(CardScan.objects.filter(pk=scan.pk), user).exists():
        return True
    if scan.record_type and scan.record_id and scan.record_type in record_types:
        rt = record_types.get(scan.record_type)
        records = scope_readable(rt.model.objects.filter(pk=scan.record_id), user,
                                 owner_field=rt.owner_field, visibility=rt.visibility)
        return records.exists()
    return False


def card_scans_for_record(*, record_type: str, record_id: int) -> QuerySet[CardScan]:
    """Kept card pictures of a record (newest first)."""
    return CardScan.objects.select_related("owner").filter(
        record_type=record_type, record_id=record_id).exclude(
        image="").order_by("-created_at")[:3]


def card_scan_get_any(*, pk: Any) -> CardScan:
    """Unscoped: only for the picture view, which then checks `card_scan_image_readable`."""
    scan = CardScan.objects.filter(pk=pk).first()
    if scan is None:
        from django.http import Http404

        raise Http404("No card scan.")
    return scan
