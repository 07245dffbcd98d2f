from celery import shared_task

from . import rollup, services


@shared_task(name="forecasting.take_snapshots", acks_late=True)
def take_snapshots() -> int:
    """Daily: store every user's forecast row for the current month and quarter."""
    return services.forecast_snapshot_take()


@shared_task(name="forecasting.warm_grid", acks_late=True)
def warm_grid() -> int:
    """Every few minutes: the forecast grid's rows computed into the cache."""
    return rollup.warm_grid()
