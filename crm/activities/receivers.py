"""Keep the timeline in step when a record with a timeline is saved or deleted.

Connected for every model (the core cannot import pipeline models); the receivers return at once
for models that are not registered record types.
"""

from django.db.models.signals import post_delete, post_save

from crm.common.queue import enqueue_on_commit
from crm.common.registries import record_types

from . import aggregation
from .tasks import sync_timeline_records


def _record_type_name(model) -> str | None:
    label = model._meta.label
    for rt in record_types.all():
        if rt.model_label == label:
            return rt.name
    return None


def record_saved(sender, instance, created, raw=False, **kwargs):
    """A record changed: its parent, owner or title may differ from what the timeline holds.

    The marker is written in the saving transaction (durable); the task only speeds things up.
    """
    if created or raw:
        return
    name = _record_type_name(sender)
    if name is None:
        return

    aggregation.mark_record_changed(name, instance.pk, full=True)
    enqueue_on_commit(sync_timeline_records)


def record_deleted(sender, instance, **kwargs):
    name = _record_type_name(sender)
    if name is None or instance.pk is None:
        return

    aggregation.purge_record(name, instance.pk)
    enqueue_on_commit(sync_timeline_records)


def connect() -> None:
    post_save.connect(record_saved, dispatch_uid="activities.record_saved")
    post_delete.connect(record_deleted, dispatch_uid="activities.record_deleted")
