"""Re-score a lead or opportunity after commit when something its score depends on changed.

- Its own fields or state: every change of a lead or opportunity writes an outgoing event
  (`record_updated`, transitions through `record_event`), in the change's transaction; that
  row also carries the old and new estimated close date, from which a slip is recorded.
- Its activity (calls, meetings, emails sent and answered, linked mail): the activity's save.
"""

from datetime import date

from crm.activities.event_types import EventType
from crm.common.queue import enqueue_on_commit

from .services import close_date_slip_record
from .tasks import rescore_record

SCORED_TYPES = ("lead", "opportunity")
# Rollup columns the timeline aggregation writes: not features of the score.
ROLLUP_ONLY = {"last_activity_at", "open_activity_count", "updated_at", "version"}


def _queue(kind: str, record_id) -> None:
    if record_id:
        enqueue_on_commit(rescore_record, kind, record_id)


def _parse_date(value):
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def outgoing_event_saved(sender, instance, created, raw=False, **kwargs):
    if not created or raw or instance.record_type not in SCORED_TYPES:
        return
    if instance.action == EventType.DELETED:
        return
    changes = (instance.payload or {}).get("changes") or {}
    if instance.action == EventType.UPDATED and changes and set(changes) <= ROLLUP_ONLY:
        return
    if instance.record_type == "opportunity" and "estimated_close_date" in changes:
        old, new = (changes["estimated_close_date"] + [None, None])[:2]
        close_date_slip_record(opportunity_id=instance.record_id, before=_parse_date(old),
                               after=_parse_date(new), when=instance.occurred_at)
    _queue(instance.record_type, instance.record_id)


def activity_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if instance.lead_id:
        _queue("lead", instance.lead_id)
    elif instance.opportunity_id:
        _queue("opportunity", instance.opportunity_id)
