from celery import shared_task

from . import services


@shared_task(name="invoices.record_overdue", acks_late=True)
def record_overdue() -> int:
    """Daily: put "became overdue" on the timeline of each newly overdue invoice."""
    return services.invoices_record_overdue()
