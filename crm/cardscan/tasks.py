from celery import shared_task

from . import services


@shared_task(name="crm.cardscan.run_scan", acks_late=True, max_retries=2,
             soft_time_limit=60, time_limit=90)
def run_card_scan(scan_id: int) -> str:
    """Read one pending card scan (idempotent)."""
    scan = services.card_scan_run(scan_id=scan_id)
    return scan.status if scan else "missing"


@shared_task(name="crm.cardscan.purge_unsaved_images")
def purge_unsaved_images() -> int:
    return services.card_scan_purge_unsaved_images()
