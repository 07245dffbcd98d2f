from celery import shared_task


@shared_task(name="leads.run_import", acks_late=True, max_retries=0)
def run_lead_import(job_id: int) -> int:
    """Import a queued CSV job; safe to run twice (rows already imported are skipped)."""
    from .importer import run_import

    return run_import(job_id).created_count
