"""Celery adapters of the export jobs (crm.listviews.export_jobs)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import export_jobs


@shared_task(name="crm.listviews.run_export", acks_late=True,
             autoretry_for=(OperationalError, InterfaceError), max_retries=3, retry_backoff=5,
             retry_backoff_max=120, retry_jitter=True)
def run_export(job_id: int) -> str:
    """Write one export job's file and notify its owner (idempotent, never twice at once)."""
    return export_jobs.export_job_run(job_id=job_id)


@shared_task(name="crm.listviews.resume_exports", acks_late=True)
def resume_exports() -> int:
    """Every few minutes: export jobs whose task was lost or whose worker died, queued again."""
    return export_jobs.export_jobs_resume()


@shared_task(name="crm.listviews.purge_exports", acks_late=True)
def purge_exports() -> int:
    """Daily: expired export files (and their jobs) deleted."""
    return export_jobs.export_jobs_purge()
