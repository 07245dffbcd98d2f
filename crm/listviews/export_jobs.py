"""Exports too large for a web request (issue 17): a Celery worker writes them to a file.

A list page's export above `CRM_EXPORT_INLINE_MAX_ROWS` rows becomes an `ExportJob` holding the
list's query as the page applied it (filters, search, sort, chosen columns, a saved or default
view already resolved). The worker rebuilds the same list page for the job's owner, so the rows
are exactly what the owner may see, in the page's order, with its columns and the CSV formula
escaping of every export (crm.listviews.export). It reads on the read replica when one is
configured (primary otherwise), writes the file to the default storage and tells the owner with
a notification whose link downloads it. "My exports" lists a user's jobs; only the owner may
download one. Files are deleted `CRM_EXPORT_KEEP_DAYS` after they were made.

Retry-safe: the run takes the job's row lock (`SELECT ... FOR UPDATE SKIP LOCKED`) and keeps it
until the file, the "done" state and the notification are committed together, so a job never
runs twice at once and never notifies twice. A killed worker's transaction is rolled back (its
lock with it); the broker redelivers the task (acks late) or `export_jobs_resume` queues it
again, and the rerun overwrites the same file name (no second file).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.common.db_router import on_replica
from crm.common.queue import enqueue_on_commit, publish
from crm.notifications.services import notify

from .export import (
    export_query,
    export_rows,
    inline_max_rows,
    stream_response,
    write_export,
)
from .models import ExportJob, ExportStatus, export_upload_to
from .resources import get_resource

logger = logging.getLogger(__name__)

# A job that killed its worker this many times (out of memory, say) is marked failed.
MAX_ATTEMPTS = 3
# The task (crm.listviews.tasks) is queued by name: tasks.py imports this module.
RUN_EXPORT = "crm.listviews.run_export"
FINISHED = (ExportStatus.DONE, ExportStatus.FAILED)


def keep_days() -> int:
    return int(settings.CRM_EXPORT_KEEP_DAYS)


def export_filename(resource: str, fmt: str) -> str:
    return f"{slugify(resource) or 'export'}-{timezone.localdate().isoformat()}.{fmt}"


# --- the export button ------------------------------------------------------------------------
def export_response(view, fmt: str):
    """The list page's export: streamed now, or, above `CRM_EXPORT_INLINE_MAX_ROWS` rows, a job
    queued and the list again with a message saying so. Reads on the replica when there is
    one (the primary when it cannot be reached)."""
    limit = inline_max_rows()
    (header, rows, count), _as_of = on_replica(export_rows, view, count_upto=limit)
    if count is None or count <= limit:
        return stream_response(view, fmt, header, rows)
    query = export_query(view)
    export_job_create(owner=view.request.user, resource=view.resource, query=query, fmt=fmt)
    messages.info(view.request, format_html(
        _("Your export is being prepared. You will get a notification with the download "
          "link; it will also be on <a href=\"{url}\">My exports</a>."),
        url=reverse("export-list")))
    return HttpResponseRedirect(f"{view.request.path}?{query}" if query else view.request.path)


# --- writes -----------------------------------------------------------------------------------
def export_job_create(*, owner, resource: str, query: str, fmt: str) -> ExportJob:
    """Queue the export of the list `resource` with the page query `query` for `owner`, in the
    current language and time zone (what the file's labels and dates read in). Queues
    `run_export` after commit (kept in the outbox if the broker is down)."""
    if get_resource(resource) is None:
        raise ValueError(f"no list called {resource!r}")
    job = ExportJob.objects.create(
        owner=owner, resource=resource, query=query, format=fmt,
        language=translation.get_language() or "",
        time_zone=timezone.get_current_timezone_name(),
        token=secrets.token_hex(16), filename=export_filename(resource, fmt))
    enqueue_on_commit(RUN_EXPORT, job.pk)
    return job


def export_job_run(*, job_id: int) -> str:
    """Write the job's file and tell its owner; "done", "failed" or why nothing was done.

    Refuses (does nothing) when the job is finished, gone, or held by another worker. A
    database error (primary down) propagates so the task retries; any other error fails the
    job and tells the owner."""
    with transaction.atomic():
        job = (ExportJob.objects.select_for_update(skip_locked=True)
               .filter(pk=job_id).first())
        if job is None:
            return "busy"  # another worker holds it (or it was purged)
        if job.status in FINISHED:
            return "finished"
        if job.attempts >= MAX_ATTEMPTS:
            _finish(job, status=ExportStatus.FAILED,
                    error=f"gave up after {job.attempts} attempts")
            return "failed"
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now())
    # The run itself holds the row lock until the outcome is committed.
    with transaction.atomic():
        job = (ExportJob.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("owner").filter(pk=job_id, status=ExportStatus.RUNNING).first())
        if job is None:
            return "busy"
        try:
            with transaction.atomic():  # a failed query leaves the job's transaction usable
                count, name = _produce(job)
        except (OperationalError, InterfaceError):
            raise  # the database is unreachable: the task is retried
        except Exception as exc:
            logger.exception("export job %s failed", job.pk)
            message = str(exc) if not isinstance(exc, DatabaseError) else type(exc).__name__
            _finish(job, status=ExportStatus.FAILED, error=message[:500])
            return "failed"
        _finish(job, status=ExportStatus.DONE, row_count=count, name=name)
        return "done"


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def list_view_for(job: ExportJob):
    """The job's list page as its owner opens it with the job's query (no web request)."""
    resource = get_resource(job.resource)
    if resource is None:
        raise ValueError(f"no list called {job.resource!r}")
    request = HttpRequest()
    request.method = "GET"
    request.user = job.owner
    request.GET = QueryDict(job.query)
    request.path = request.path_info = resource.url
    if job.language:
        request.LANGUAGE_CODE = job.language
    view = resource.view_class()
    view.setup(request)
    return view


class _Counted:
    def __init__(self, rows):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _produce(job: ExportJob) -> tuple[int, str]:
    """(rows, storage name): the file written from the replica (or the primary)."""
    if not job.owner.is_active:
        raise ValueError("the owner's account is deactivated")

    def write() -> tuple[int, str]:
        view = list_view_for(job)
        header, rows, _count = export_rows(view)
        counted = _Counted(rows)
        with tempfile.TemporaryFile() as handle:
            write_export(handle, job.format, header, counted, title=str(view.resource))
            handle.seek(0)
            name = export_upload_to(job, job.filename)
            if default_storage.exists(name):  # a killed earlier attempt's file
                default_storage.delete(name)
            saved = default_storage.save(name, File(handle, name=job.filename))
        return counted.count, saved

    with translation.override(job.language or None), timezone.override(_zone(job.time_zone)):
        (count, name), _as_of = on_replica(write)
    return count, name


def _finish(job: ExportJob, *, status: str, row_count: int | None = None, name: str = "",
            error: str = "") -> None:
    """The outcome and the owner's notification, in the caller's transaction."""
    now = timezone.now()
    job.status = status
    job.row_count = row_count
    job.error = error
    job.finished_at = now
    job.expires_at = now + timedelta(days=keep_days())
    if name:
        job.file.name = name
    job.save(update_fields=["status", "row_count", "error", "finished_at", "expires_at",
                            "file"])
    with translation.override(job.language or None):
        if status == ExportStatus.DONE:
            title = _("Your export %(name)s is ready: %(count)s rows.") % {
                "name": job.filename, "count": row_count}
            url = reverse("export-download", args=[job.pk])
        else:
            title = _("Your export %(name)s could not be prepared.") % {"name": job.filename}
            url = reverse("export-list")
    notify(user=job.owner, title=title, url=url)


def export_jobs_resume(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Queue again the jobs no worker is running that waited longer than `older_than`: a lost
    task message, a killed worker. Returns how many were queued."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        ids = list(ExportJob.objects.select_for_update(skip_locked=True)
                   .filter(Q(status=ExportStatus.QUEUED, created_at__lte=cutoff)
                           | Q(status=ExportStatus.RUNNING, started_at__lte=cutoff))
                   .order_by("pk").values_list("pk", flat=True)[:100])
    for pk in ids:
        publish(RUN_EXPORT, pk)
    return len(ids)


def _delete_files(job: ExportJob) -> None:
    for name in {job.file.name, export_upload_to(job, job.filename)} - {""}:
        if name and default_storage.exists(name):
            default_storage.delete(name)


def export_jobs_purge(*, now=None) -> int:
    """Delete expired exports (file and row), and jobs that never finished within the keeping
    time. A job a worker is running is left alone. Returns how many were deleted."""
    now = now or timezone.now()
    stale = now - timedelta(days=keep_days())
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(ExportJob.objects.select_for_update(skip_locked=True)
                         .filter(Q(expires_at__lte=now)
                                 | Q(expires_at__isnull=True, created_at__lte=stale))
                         .order_by("pk")[:200])
            for job in batch:
                _delete_files(job)
            ExportJob.objects.filter(pk__in=[j.pk for j in batch]).delete()
        deleted += len(batch)
        if len(batch) < 200:
            return deleted


# --- reads ------------------------------------------------------------------------------------
def export_job_list(*, user):
    return ExportJob.objects.filter(owner=user).order_by("-created_at", "-id")


def export_job_get_done(*, user, pk) -> ExportJob:
    """The user's finished export with its file; 404 for anyone else's, or when not ready."""
    job = export_job_list(user=user).filter(pk=pk, status=ExportStatus.DONE).first()
    if job is None or not job.file or not default_storage.exists(job.file.name):
        raise Http404
    return job
