"""Large list exports run as a Celery job (issue 17): the user is told, notified with a download
link when the file is ready, finds it under "My exports"; the file holds exactly what the
inline export holds (scoping, filters, sort, columns, formula escaping); only the owner may
download it; expired files are purged; a job is never run twice."""

import csv
import io
import os
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from crm.listviews import export_jobs
from crm.listviews.models import ExportJob, ExportStatus
from crm.notifications.models import Notification
from tests.leads.factories import LeadFactory

from .makers import make_rows

pytestmark = pytest.mark.django_db

# "My exports": one query for the jobs whatever their number (measured: 1 once the session,
# user and page chrome are warm in the cache, as they are after the first page)
MY_EXPORTS_QUERIES = 2
OPPORTUNITIES = "/opportunities/?status=open&sort=-revenue&cols=topic,account,revenue,close,owner"


def _inline(client, path, fmt, settings) -> bytes:
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 100_000
    response = client.get(f"{path}&export={fmt}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def _queue(client, path, fmt, settings, capture):
    """Ask for the export with the inline limit below the list's size: a job (run at once
    here: Celery is eager in tests unless a test starts a worker)."""
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 2
    with capture(execute=True):
        response = client.get(f"{path}&export={fmt}")
    return response


def _file(job) -> bytes:
    with default_storage.open(job.file.name, "rb") as handle:
        return handle.read()


def _sheet_rows(body: bytes) -> list:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_a_large_export_is_queued_the_user_is_told_and_notified_with_the_download_link(
        org, web, settings, django_capture_on_commit_callbacks):
    make_rows("opportunities", org, 6)
    client = web(org.sam)

    response = _queue(client, OPPORTUNITIES, "xlsx", settings,
                      django_capture_on_commit_callbacks)

    # the list again (same query), with the message; no file in the response
    assert response.status_code == 302
    assert response["Location"].startswith("/opportunities/?") and "export" not in response[
        "Location"]
    text = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Your export is being prepared" in m and reverse("export-list") in m
               for m in text)
    job = ExportJob.objects.get()
    assert (job.owner, job.resource, job.format, job.status, job.row_count) == (
        org.sam, "opportunities", "xlsx", ExportStatus.DONE, 6)
    assert job.expires_at - job.finished_at == timedelta(days=settings.CRM_EXPORT_KEEP_DAYS)
    notification = Notification.objects.get(recipient=org.sam)
    assert notification.url == reverse("export-download", args=[job.pk])
    assert "6" in notification.title and job.filename in notification.title

    # the job's file holds exactly the rows of the inline export
    download = client.get(notification.url)
    assert download.status_code == 200
    assert f'filename="{job.filename}"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    inline = _inline(client, OPPORTUNITIES, "xlsx", settings)
    assert _sheet_rows(body) == _sheet_rows(inline)
    assert len(_sheet_rows(body)) == 7


def test_a_sellers_job_holds_only_their_records_with_the_page_filters_and_escaping(
        org, web, settings, django_capture_on_commit_callbacks):
    LeadFactory(owner=org.sam, company="=HYPERLINK(\"http://evil\")", last_name="Ada")
    LeadFactory(owner=org.sam, company="Acme", last_name="Bo")
    LeadFactory(owner=org.sam, company="Initech", last_name="Cy")
    LeadFactory(owner=org.olga, company="Hidden Corp", last_name="Olgas")  # not readable
    client = web(org.sam)
    path = "/leads/?view=all&sort=company&cols=name,company,owner"

    _queue(client, path, "csv", settings, django_capture_on_commit_callbacks)

    job = ExportJob.objects.get(owner=org.sam)
    body = _file(job)
    assert body == _inline(client, path, "csv", settings)  # byte for byte
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0] == ["Name", "Company", "Owner"]
    companies = [r[1] for r in table[1:]]
    assert sorted(companies) == sorted(["'=HYPERLINK(\"http://evil\")", "Acme", "Initech"])
    assert companies.index("Acme") < companies.index("Initech")  # the page's sort
    assert "Hidden" not in body.decode()
    assert job.row_count == 3


def test_a_small_export_still_streams_in_the_request(org, web, settings):
    make_rows("opportunities", org, 3)
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 3
    response = web(org.sam).get(OPPORTUNITIES + "&export=csv")
    assert response.status_code == 200 and response.streaming
    assert not ExportJob.objects.exists()


def test_only_the_owner_downloads_an_export(org, web, settings,
                                            django_capture_on_commit_callbacks):
    make_rows("opportunities", org, 3)
    _queue(web(org.sam), OPPORTUNITIES, "csv", settings, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    url = reverse("export-download", args=[job.pk])

    assert web(org.maria).get(url).status_code == 404  # not even sam's manager
    assert web(org.admin).get(url).status_code == 404
    assert web(org.sam).get(url).status_code == 200
    client = web(org.sam)
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_my_exports_lists_the_users_jobs_and_says_when_there_are_none(
        org, web, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client = web(org.sam)
    empty = client.get(reverse("export-list"))
    assert empty.status_code == 200
    assert 'id="no-exports"' in empty.content.decode()
    assert reverse("export-list") in client.get(reverse("profile")).content.decode()

    make_rows("opportunities", org, 3)
    _queue(client, OPPORTUNITIES, "csv", settings, django_capture_on_commit_callbacks)
    ExportJob.objects.create(owner=org.sam, resource="leads", format="xlsx", token="t",
                             filename="leads-waiting.xlsx")
    ExportJob.objects.create(owner=org.olga, resource="leads", format="csv", token="u",
                             filename="olgas-export.csv")
    for i in range(20):  # enough rows to show a query per row
        ExportJob.objects.create(owner=org.sam, resource="contacts", format="csv",
                                 token=f"c{i}", filename=f"contacts-{i}.csv")
    with django_assert_max_num_queries(MY_EXPORTS_QUERIES):
        page = client.get(reverse("export-list")).content.decode()
    done = ExportJob.objects.get(owner=org.sam, status=ExportStatus.DONE)
    assert f'href="{reverse("export-download", args=[done.pk])}"' in page
    assert "Ready" in page and "Queued" in page and "leads-waiting.xlsx" in page
    assert "olgas-export.csv" not in page
    assert 'id="no-exports"' not in page


def test_a_finished_job_run_again_changes_nothing(org, settings,
                                                  django_capture_on_commit_callbacks):
    make_rows("opportunities", org, 3)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_jobs.export_job_create(owner=org.sam, resource="opportunities",
                                            query="status=open", fmt="csv")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert export_jobs.export_job_run(job_id=job.pk) == "finished"
    assert Notification.objects.filter(recipient=org.sam).count() == 1
    assert os.listdir(os.path.dirname(default_storage.path(job.file.name))) == [job.filename]


def test_a_failing_export_is_marked_failed_and_the_owner_told(org):
    job = ExportJob.objects.create(owner=org.sam, resource="opportunities",
                                   query="sort=close", format="csv", token="x",
                                   filename="x.csv")
    org.sam.is_active = False  # a deactivated user's export is not written
    org.sam.save(update_fields=["is_active"])
    assert export_jobs.export_job_run(job_id=job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    notification = Notification.objects.get(recipient=org.sam)
    assert notification.url == reverse("export-list")


@pytest.mark.django_db(transaction=True)
def test_a_job_another_worker_holds_is_not_run_twice(org):
    make_rows("opportunities", org, 3)
    job = ExportJob.objects.create(owner=org.sam, resource="opportunities", query="",
                                   format="csv", token="y", filename="y.csv")
    other = connections.create_connection("default")  # another worker's connection
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM listviews_exportjob WHERE id = %s FOR UPDATE",
                           [job.pk])
        assert export_jobs.export_job_run(job_id=job.pk) == "busy"
        other.rollback()
    finally:
        other.close()
    job.refresh_from_db()
    assert job.status == ExportStatus.QUEUED and not job.file
    assert not Notification.objects.exists()
    assert export_jobs.export_job_run(job_id=job.pk) == "done"


def test_expired_exports_are_purged_with_their_files(org, settings,
                                                     django_capture_on_commit_callbacks):
    make_rows("opportunities", org, 3)
    with django_capture_on_commit_callbacks(execute=True):
        old = export_jobs.export_job_create(owner=org.sam, resource="opportunities",
                                            query="", fmt="csv")
        fresh = export_jobs.export_job_create(owner=org.sam, resource="opportunities",
                                              query="", fmt="xlsx")
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert default_storage.exists(old.file.name) and default_storage.exists(fresh.file.name)
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    never_finished = ExportJob.objects.create(owner=org.sam, resource="leads", format="csv",
                                              token="z", filename="z.csv")
    ExportJob.objects.filter(pk=never_finished.pk).update(
        created_at=timezone.now() - timedelta(days=settings.CRM_EXPORT_KEEP_DAYS + 1))

    from crm.listviews.tasks import purge_exports

    assert purge_exports.delay().get() == 2

    assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(fresh.file.name)
    assert web_download_status(org, old.pk) == 404


def web_download_status(org, pk) -> int:
    from django.test import Client

    client = Client()
    client.force_login(org.sam)
    return client.get(reverse("export-download", args=[pk])).status_code


def test_lost_and_abandoned_jobs_are_queued_again(org, settings):
    make_rows("opportunities", org, 2)
    lost = ExportJob.objects.create(owner=org.sam, resource="opportunities", format="csv",
                                    token="l", filename="lost.csv")
    abandoned = ExportJob.objects.create(owner=org.sam, resource="opportunities", format="csv",
                                         token="a", filename="abandoned.csv",
                                         status=ExportStatus.RUNNING, attempts=1,
                                         started_at=timezone.now() - timedelta(minutes=30))
    ExportJob.objects.create(owner=org.sam, resource="opportunities", format="csv", token="r",
                             filename="recent.csv")
    ExportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))

    assert export_jobs.export_jobs_resume() == 2  # run at once: Celery is eager here

    statuses = dict(ExportJob.objects.values_list("filename", "status"))
    # the recent one still waits for its own task
    assert statuses == {"lost.csv": "done", "abandoned.csv": "done", "recent.csv": "queued"}
    assert ExportJob.objects.get(pk=abandoned.pk).attempts == 2
