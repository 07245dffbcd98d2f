"""CSV import: good, bad and mixed files, duplicate policy, re-runs, the report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.common.codes import RefusalReason
from crm.common.errors import BusinessRuleViolation
from leads import services
from leads.importer import ImportFileError, guess_mapping
from leads.models import ImportStatus, Lead, LeadImport

from .factories import LeadFactory

pytestmark = pytest.mark.django_db

HEADER = "Topic,First Name,Last Name,Company,Email,Phone,Estimated Value,Close Date,Rating\n"


def upload(text: str, name="leads.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch):
    """The import is queued on commit, which a test's transaction never reaches: publish
    at once instead (Celery runs inline in tests)."""
    from crm.common import queue

    monkeypatch.setattr(services, "enqueue_on_commit", queue.publish)


def run(user, text, **options):
    job = services.lead_import_create(actor=user, uploaded_file=upload(text))
    services.lead_import_start(job=job, actor=user, **options)
    return LeadImport.objects.get(pk=job.pk)


def test_a_good_file_imports_every_row_with_parsed_values(org):
    job = run(org.sam, HEADER
              + "Seats,Regina,Murphy,Contoso,regina@contoso.example,+1 555 0100,"
                "\"1,250.50\",2027-03-31,Hot\n"
              + "Support,Diego,Ramos,Trey,diego@trey.example,,999,31.12.2027,warm\n")
    assert (job.status, job.created_count, job.error_count) == (ImportStatus.DONE, 2, 0)
    regina = Lead.objects.get(last_name="Murphy")
    assert str(regina.estimated_value) == "1250.50"
    assert regina.estimated_close_date.isoformat() == "2027-03-31"
    assert (regina.rating, regina.status, regina.owner, regina.import_job) == (
        "hot", "new", org.sam, job)
    assert regina.phone_key == "15550100"
    assert Lead.objects.get(last_name="Ramos").estimated_close_date.isoformat() == "2027-12-31"


def test_a_mixed_file_keeps_the_good_rows_and_reports_the_bad_ones(org):
    job = run(org.sam, HEADER
              + "Seats,Regina,Murphy,Contoso,regina@contoso.example,,,,\n"
              + "Seats,No,,,bad-email,,,,\n"
              + "Seats,Val,Ue,Co,,,lots,,\n"
              + "Seats,Rat,Ing,Co,,,,,lukewarm\n")
    assert (job.created_count, job.error_count) == (1, 3)
    messages = [i.message for i in job.issues.order_by("row_number")]
    assert "not an email address" in messages[0]
    assert "Last name: Enter a last name or a company." in messages[0]
    assert "not an amount" in messages[1]
    assert "not one of the choices" in messages[2]
    assert [i.row_number for i in job.issues.order_by("row_number")] == [3, 4, 5]


def test_the_report_csv_lists_each_problem_with_the_original_row(org, web):
    job = run(org.sam, HEADER + "Seats,No,,,bad-email,,,,\n")
    response = web(org.sam).get(f"/leads/import/{job.pk}/report.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Line", "Problem", "Topic"]
    assert rows[1][0] == "2" and "email" in rows[1][1] and rows[1][2:5] == ["Seats", "No", ""]


def test_duplicates_are_skipped_by_default_and_imported_on_request(org):
    LeadFactory(owner=org.sofia, email="regina@contoso.example")
    text = HEADER + "Seats,Regina,Murphy,Contoso,REGINA@contoso.example,,,,\n" \
                  + "Seats,Other,Person,Fabrikam,other@fabrikam.example,,,,\n" \
                  + "Seats,Third,Person,Fabrikam,other@fabrikam.example,,,,\n"
    job = run(org.sam, text)
    assert (job.created_count, job.duplicate_count) == (1, 2)  # existing lead + same file
    assert "email" in job.issues.first().message

    job = run(org.tom, text, duplicate_policy="import")
    assert (job.created_count, job.duplicate_count) == (3, 0)


def test_running_the_same_file_again_imports_nothing_twice(org):
    text = HEADER + "Seats,Regina,Murphy,Contoso,regina@contoso.example,,,,\n" \
                  + "Seats,Bad,,,,,,,\n"
    first = run(org.sam, text, duplicate_policy="import")
    second = services.lead_import_rerun(job=first, actor=org.sam)
    second = LeadImport.objects.get(pk=second.pk)
    assert (second.created_count, second.already_imported_count, second.error_count) == (0, 1, 1)
    assert Lead.objects.count() == 1


def test_running_the_task_twice_for_one_job_is_harmless(org):
    from leads.importer import run_import

    job = run(org.sam, HEADER + "Seats,Regina,Murphy,Contoso,r@c.example,,,,\n")
    LeadImport.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    again = run_import(job.pk)
    assert Lead.objects.count() == 1 and again.status == ImportStatus.DONE


@pytest.mark.parametrize("content, encoding, reason", [
    ("", "utf-8", RefusalReason.IMPORT_EMPTY_FILE),
    ("Topic,Last Name\n", "utf-8", RefusalReason.IMPORT_NO_DATA_ROWS),
    ("Topic,Last Name\nSeats,Müller\n", "windows-1252", RefusalReason.IMPORT_WRONG_ENCODING),
    ("Topic,Last Name\nSeats,\"" + "x" * 40000 + "\"\n", "utf-8", RefusalReason.IMPORT_NOT_CSV),
    ("Topic,Topic\nSeats,X\n", "utf-8", RefusalReason.IMPORT_DUPLICATE_COLUMNS),
    ("\x00\x01PK\x03\x04binary", "utf-8", RefusalReason.IMPORT_BINARY_FILE),
])
def test_malformed_files_are_refused_with_a_clear_message(org, content, encoding, reason):
    with pytest.raises(ImportFileError) as exc:
        services.lead_import_create(actor=org.sam, uploaded_file=upload(content,
                                                                         encoding=encoding))
    assert exc.value.reason == reason and str(exc.value)  # a message for the user, too
    assert not LeadImport.objects.exists()


def test_a_windows_file_imports_when_its_encoding_is_chosen(org):
    job = services.lead_import_create(
        actor=org.sam, uploaded_file=upload("Topic;Last Name\nSeats;Müller\n",
                                            encoding="windows-1252"),
        encoding="windows-1252")
    assert job.delimiter == ";"
    services.lead_import_start(job=job, actor=org.sam)
    assert Lead.objects.get().last_name == "Müller"


def test_a_mapping_without_the_required_columns_is_refused(org):
    job = services.lead_import_create(actor=org.sam,
                                      uploaded_file=upload("Email,Notes\na@b.example,hi\n"))
    with pytest.raises(BusinessRuleViolation) as exc:
        services.lead_import_start(job=job, actor=org.sam)
    assert exc.value.reason == RefusalReason.IMPORT_COLUMNS_MISSING
    assert "mapping" in exc.value.extra["fields"]
    # a topic for every row and a company column make it importable
    services.lead_import_start(job=job, actor=org.sam, default_topic="Website list",
                               mapping={"Email": "email", "Notes": "company"})
    assert Lead.objects.get().topic == "Website list"


def test_the_mapping_is_remembered_for_the_same_headers(org):
    job = services.lead_import_create(actor=org.sam,
                                      uploaded_file=upload("Subject,Nom,Firma\nS,N,F\n"))
    assert job.mapping == {"Subject": "topic", "Nom": "", "Firma": ""}
    services.lead_import_start(job=job, actor=org.sam,
                               mapping={"Subject": "topic", "Nom": "last_name",
                                        "Firma": "company"})
    assert guess_mapping(["Firma", "Subject", "Nom"]) == {
        "Firma": "company", "Subject": "topic", "Nom": "last_name"}


def test_tabs_newlines_and_backslashes_in_values_arrive_unchanged(org):
    job = run(org.sam, 'Topic,Last Name,Description\nSeats,Murphy,"line one\nline\ttwo \\\\N c:\\\\x"\n')
    assert job.created_count == 1
    assert Lead.objects.get().description == "line one\nline\ttwo \\\\N c:\\\\x"
