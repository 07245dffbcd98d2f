from celery import shared_task

from . import engine


@shared_task(name="crm.insights.warm_dashboards", acks_late=True)
def warm_dashboards() -> int:
    """Every few minutes: recompute the default dashboard views into the cache."""
    return engine.warm_dashboards()
