"""Celery adapters for the mailbox sync (see sync.py for the guarantees)."""

from celery import shared_task

from crm.common.queue import publish

from . import sync
from .models import Mailbox, MailboxState


@shared_task(name="crm.mail.sync_mailbox", acks_late=True, ignore_result=True)
def sync_mailbox(mailbox_id: int) -> dict:
    """Sync one mailbox (a lease keeps two runs of the same mailbox from overlapping)."""
    return sync.mailbox_sync(mailbox_id).as_dict()


@shared_task(name="crm.mail.sync_all", ignore_result=True)
def sync_all() -> int:
    """Beat: one sync task per active mailbox."""
    ids = list(Mailbox.objects.exclude(state=MailboxState.DISABLED).order_by("pk")
               .values_list("pk", flat=True))
    for mailbox_id in ids:
        publish(sync_mailbox, mailbox_id)
    return len(ids)


# mail-send: the outgoing task lives next to its service; imported here so workers register it.
from .sending import send_message  # noqa: E402, F401
