"""Webhook deliveries: one per (endpoint, event), queued for the `deliver` task.

Below the services and the actions (the `call_webhook` action creates one), so neither imports
the other for it.
"""

from django.db import IntegrityError, transaction

from crm.common.queue import enqueue_on_commit

from .models import OutgoingEvent, Webhook, WebhookDelivery

DELIVER = "crm.automation.deliver"  # tasks.deliver, queued by name (tasks.py imports services)


def queue_delivery(delivery_id: int) -> None:
    enqueue_on_commit(DELIVER, delivery_id)


def delivery_create(*, webhook_id: int, event: OutgoingEvent) -> WebhookDelivery | None:
    """A delivery of `event` to one endpoint (the `call_webhook` action)."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return None
    delivery = WebhookDelivery.objects.filter(webhook=webhook, event=event,
                                              redelivery_of=None).first()
    if delivery is None:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    webhook=webhook, event=event,
                    record_key=f"{event.record_type}:{event.record_id}")
        except IntegrityError:
            return WebhookDelivery.objects.filter(webhook=webhook, event=event,
                                                  redelivery_of=None).first()
        queue_delivery(delivery.pk)
    return delivery
