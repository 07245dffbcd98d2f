from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

# Worth another try: the database dropped the connection or a lock timed out, or the image
# storage hiccupped (OSError). Reading a card is idempotent (a finished scan is left alone).
# A bad image or a missing OCR engine is not retried: the service records it as failed.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)


@shared_task(name="crm.cardscan.run_scan", acks_late=True, soft_time_limit=60, time_limit=90,
             autoretry_for=TRANSIENT_ERRORS, max_retries=2, retry_backoff=5,
             retry_backoff_max=60, retry_jitter=True)
def run_card_scan(scan_id: int) -> str:
    """Read one pending card scan (idempotent)."""
    scan = services.card_scan_run(scan_id=scan_id)
    return scan.status if scan else "missing"


@shared_task(name="crm.cardscan.purge_unsaved_images")
def purge_unsaved_images() -> int:
    return services.card_scan_purge_unsaved_images()
