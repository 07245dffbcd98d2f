"""Thin Celery adapters over the services (stable names; idempotent: every step is claimed)."""

from celery import shared_task

from . import services


@shared_task(name="crm.automation.dispatch_event", acks_late=True)
def dispatch_event(event_id: int) -> dict:
    return services.dispatch_event(event_id)


@shared_task(name="crm.automation.deliver", acks_late=True)
def deliver(delivery_id: int) -> str:
    return services.deliver(delivery_id)


@shared_task(name="crm.automation.run_rules", acks_late=True)
def run_rules(event_id: int) -> int:
    return services.run_rules(event_id)


@shared_task(name="crm.automation.dispatch_pending", acks_late=True)
def dispatch_pending() -> int:
    return services.dispatch_pending()


@shared_task(name="crm.automation.deliver_due", acks_late=True)
def deliver_due() -> int:
    return services.deliver_due()


@shared_task(name="crm.automation.dispatch_batch", acks_late=True)
def dispatch_batch(event_ids: list[int]) -> int:
    for event_id in event_ids:
        services.dispatch_event(event_id)
    return len(event_ids)


@shared_task(name="crm.automation.purge_old_events", acks_late=True)
def purge_old_events() -> int:
    return services.purge_old_events()
