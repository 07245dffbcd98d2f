from celery import shared_task

from . import services


@shared_task(name="forecasting.take_snapshots", acks_late=True)
def take_snapshots() -> int:
    """Daily: store every user's forecast row for the current month and quarter."""
    return services.forecast_snapshot_take()
