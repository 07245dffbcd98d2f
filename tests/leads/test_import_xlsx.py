"""XLSX lead import (issue 19): an Excel workbook goes through the CSV import's mapping,
preview and per-row report; good rows are kept, a bad row is reported."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from crm.common.codes import RefusalReason
from leads import services
from leads.importer import ImportFileError
from leads.models import ImportStatus, Lead, LeadImport

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows, name="leads.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


HEADER = ["Topic", "First Name", "Last Name", "Company", "Email", "Estimated Value",
          "Close Date", "Rating", "Employees"]
ROWS = [
    HEADER,
    ["Seats", "Regina", "Murphy", "Contoso", "regina@contoso.example", 1250.5,
     datetime.datetime(2027, 3, 31), "Hot", 250],
    ["Seats", "No", None, None, "bad-email", None, None, None, None],
    ["Support", "Diego", "Ramos", "Trey", "diego@trey.example", 999, datetime.date(2027, 12, 31),
     "warm", None],
]


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch):
    from crm.common import queue

    monkeypatch.setattr(services, "enqueue_on_commit", queue.publish)


def test_an_xlsx_file_imports_good_rows_and_reports_the_bad_one(org, web):
    client = web(org.sam)
    response = client.post("/leads/import/", {"file": workbook(ROWS), "encoding": "auto"})
    job = LeadImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/import/{job.pk}/mapping/"
    assert job.file_name == "leads.xlsx" and job.headers == HEADER and job.total == 3
    assert job.mapping["Last Name"] == "last_name" and job.mapping["Estimated Value"] == (
        "estimated_value")
    # the same mapping page and preview as for CSV
    page = client.get(response["Location"])
    assert page.status_code == 200
    preview = page.context["preview"]
    assert preview[0]["data"]["last_name"] == "Murphy" and not preview[0]["errors"]
    assert preview[1]["errors"]

    services.lead_import_start(job=job, actor=org.sam, mapping=job.mapping)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == (ImportStatus.DONE, 2, 1)
    regina = Lead.objects.get(last_name="Murphy")
    assert str(regina.estimated_value) == "1250.50"
    assert regina.estimated_close_date == datetime.date(2027, 3, 31)
    assert (regina.rating, regina.employees) == ("hot", 250)
    assert Lead.objects.get(last_name="Ramos").estimated_close_date == datetime.date(2027, 12, 31)
    issue = job.issues.get()
    assert issue.row_number == 3 and "email" in issue.message

    report = client.get(f"/leads/import/{job.pk}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == "3" and rows[1][2:5] == ["Seats", "No", ""]


def test_a_broken_xlsx_file_is_refused_with_a_clear_message(org):
    broken = SimpleUploadedFile("leads.xlsx", b"PK\x03\x04 not really a workbook",
                                content_type=XLSX)
    with pytest.raises(ImportFileError) as refused:
        services.lead_import_create(actor=org.sam, uploaded_file=broken)
    assert refused.value.reason == RefusalReason.IMPORT_UNREADABLE_XLSX
    assert not LeadImport.objects.exists()


def test_an_xlsx_file_through_the_api(org, api):
    response = api(org.sam).post("/api/v1/leads/import/",
                                 {"file": workbook(ROWS[:2])}, format="multipart")
    assert response.status_code in (201, 202), response.content
    job = LeadImport.objects.get()
    assert job.headers == HEADER and job.total == 1
