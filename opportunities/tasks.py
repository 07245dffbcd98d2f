from celery import shared_task

from . import rollups


@shared_task(name="opportunities.rebuild_stage_rollup", acks_late=True)
def rebuild_stage_rollup() -> int:
    """Nightly: the board's stage-time figures recomputed from the stage history."""
    return rollups.rebuild_stage_rollup()
