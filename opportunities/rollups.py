"""The stage-time rollup behind the board's velocity figures (models.StageTimeRollup)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Sum

from .models import StageChange, StageTimeRollup


def add_stage_time(*, owner_id, stage: str, spent: timedelta | None) -> None:
    """Count one move out of `stage` after `spent` (inside the stage change's transaction)."""
    if not owner_id or not stage or spent is None:
        return
    seconds = max(0, int(spent.total_seconds()))
    updated = StageTimeRollup.objects.filter(owner_id=owner_id, stage=stage).update(
        moves=F("moves") + 1, total_seconds=F("total_seconds") + seconds)
    if not updated:
        StageTimeRollup.objects.get_or_create(owner_id=owner_id, stage=stage)
        StageTimeRollup.objects.filter(owner_id=owner_id, stage=stage).update(
            moves=F("moves") + 1, total_seconds=F("total_seconds") + seconds)


@transaction.atomic
def rebuild_stage_rollup() -> int:
    """Recompute every owner's figures from the stage history (idempotent; one GROUP BY)."""
    StageTimeRollup.objects.all().delete()
    rows = (
        StageChange.objects.exclude(from_stage="").filter(time_in_previous_stage__isnull=False)
        .order_by().values("opportunity__owner_id", "from_stage")
        .annotate(moves=Count("id"), total=Sum("time_in_previous_stage"))
    )
    fresh = [
        StageTimeRollup(owner_id=row["opportunity__owner_id"], stage=row["from_stage"],
                        moves=row["moves"],
                        total_seconds=max(0, int(row["total"].total_seconds())))
        for row in rows if row["opportunity__owner_id"] and row["total"] is not None
    ]
    # A stage change committed meanwhile may have re-created a row: the history wins.
    StageTimeRollup.objects.bulk_create(fresh, batch_size=1000, update_conflicts=True,
                                        unique_fields=["owner", "stage"],
                                        update_fields=["moves", "total_seconds"])
    return len(fresh)


def stage_velocity(owner_ids) -> dict[str, timedelta]:
    """Average time in each stage before moving on, over `owner_ids` (None: everyone)."""
    qs = StageTimeRollup.objects.all()
    if owner_ids is not None:
        qs = qs.filter(owner_id__in=sorted(owner_ids))
    rows = qs.order_by().values("stage").annotate(moves=Sum("moves"),
                                                  total=Sum("total_seconds"))
    return {row["stage"]: timedelta(seconds=row["total"] / row["moves"])
            for row in rows if row["moves"]}
