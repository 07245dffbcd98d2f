"""Helpers the apps' `assistant.py` modules use to refresh cards when a record changes."""

from crm.common.queue import enqueue_on_commit

from .registry import rules_for
from .tasks import full_scan, refresh_records


def refresh_on_commit(record_type: str, *record_ids) -> None:
    """Re-evaluate the cards about these records once the current transaction commits
    (nothing is queued for record types no rule looks at)."""
    ids = sorted({int(i) for i in record_ids if i})
    if ids and rules_for(record_type):
        enqueue_on_commit(refresh_records, record_type, ids)


def settings_saved(sender, instance, **kwargs):
    """New thresholds apply to every record: run a full scan once the change commits."""
    enqueue_on_commit(full_scan)


def refresh_receiver(record_type: str):
    """A post_save/post_delete receiver that refreshes the saved record's cards."""

    def receiver(sender, instance, **kwargs):
        refresh_on_commit(record_type, instance.pk)

    receiver.__name__ = f"assistant_refresh_{record_type}"
    return receiver
