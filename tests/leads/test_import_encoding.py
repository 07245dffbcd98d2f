"""Import encodings (issue 14, item 10): Latin-1, Windows-1252, UTF-16 and UTF-8 with a BOM are
detected, shown in the mapping step and can be overridden; NUL bytes are refused per row."""

import codecs
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads import services
from leads.importer import detect_encoding
from leads.models import ImportStatus, Lead, LeadImport

pytestmark = pytest.mark.django_db

ROWS = [
    ("Topic", "First Name", "Last Name", "Company", "Estimated Value"),
    ("Seats", "José", "Müller", "Café Zürich", "100"),
    ("Support", "Renée", "Gößler", "Ünal & Söhne", "250"),
]
EURO_ROWS = [*ROWS, ("Licences", "Zoë", "Brontë", "Préfet €uro", "75")]


def csv_bytes(rows, encoding: str, bom: bytes = b"") -> bytes:
    text = "".join(",".join(row) + "\r\n" for row in rows)
    return bom + text.encode(encoding)


FILES = {
    # name: (bytes, encoding we expect to detect, last names that must arrive intact)
    "latin-1": (csv_bytes(ROWS, "latin-1"), "iso-8859-1", {"Müller", "Gößler"}),
    "cp1252": (csv_bytes(EURO_ROWS, "cp1252"), "windows-1252", {"Müller", "Gößler", "Brontë"}),
    "utf-16": (csv_bytes(ROWS, "utf-16"), "utf-16", {"Müller", "Gößler"}),  # with its BOM
    "utf-8-bom": (csv_bytes(EURO_ROWS, "utf-8", codecs.BOM_UTF8), "utf-8",
                  {"Müller", "Gößler", "Brontë"}),
    "utf-8": (csv_bytes(EURO_ROWS, "utf-8"), "utf-8", {"Müller", "Gößler", "Brontë"}),
}


def upload(content: bytes, name="leads.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture(autouse=True)
def _run_on_commit(monkeypatch):
    """The import is queued on commit, which a test's transaction never reaches: publish at
    once instead (Celery runs inline in tests)."""
    from crm.common import queue

    monkeypatch.setattr(services, "enqueue_on_commit", queue.publish)


@pytest.mark.parametrize("name", FILES)
def test_the_encoding_is_detected(name):
    content, expected, _names = FILES[name]
    assert detect_encoding(io.BytesIO(content)) == expected


@pytest.mark.parametrize("name", FILES)
def test_the_api_imports_each_encoding_with_accents_intact(org, api, name):
    content, expected, names = FILES[name]
    response = api(org.sam).post("/api/v1/leads/import/", {"file": upload(content)},
                                 format="multipart")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["status"], body["encoding"], body["errors"]) == ("done", expected, 0)
    assert set(Lead.objects.values_list("last_name", flat=True)) == names
    if "Brontë" in names:
        assert Lead.objects.get(last_name="Brontë").company == "Préfet €uro"
    assert Lead.objects.get(last_name="Müller").company == "Café Zürich"


def test_the_api_takes_an_explicit_encoding_and_refuses_a_wrong_one(org, api):
    content = csv_bytes(ROWS, "latin-1")
    client = api(org.sam)
    wrong = client.post("/api/v1/leads/import/", {"file": upload(content), "encoding": "utf-8"},
                        format="multipart")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "validation_error"
    assert wrong.json()["reason"] == "import_wrong_encoding"
    right = client.post("/api/v1/leads/import/",
                        {"file": upload(content), "encoding": "iso-8859-1"}, format="multipart")
    assert right.status_code == 202 and right.json()["encoding"] == "iso-8859-1"
    assert Lead.objects.filter(last_name="Müller").count() == 1
    unknown = client.post("/api/v1/leads/import/", {"file": upload(content), "encoding": "ebcdic"},
                          format="multipart")
    assert unknown.status_code == 400 and "encoding" in unknown.json()["fields"]


def test_the_schema_offers_the_encoding_choice(org, api):
    schema = api(org.sam).get("/api/v1/schema/?format=json").json()
    body = schema["paths"]["/api/v1/leads/import/"]["post"]["requestBody"]["content"]
    ref = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    encoding = schema["components"]["schemas"][ref]["properties"]["encoding"]
    enum_ref = encoding.get("$ref") or encoding["allOf"][0]["$ref"]
    values = schema["components"]["schemas"][enum_ref.rsplit("/", 1)[-1]]["enum"]
    assert {"auto", "utf-8", "windows-1252", "iso-8859-1", "utf-16"} <= set(values)


def test_rows_with_nul_bytes_are_reported_and_the_good_rows_kept(org, api):
    content = csv_bytes([*ROWS, ("Seats", "Nul", "Bad\x00Name", "Evil Co", "1"),
                         ("Seats", "Ok", "Fine", "Good Co", "\x00")], "utf-8")
    response = api(org.sam).post("/api/v1/leads/import/", {"file": upload(content)},
                                 format="multipart")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["created"], body["errors"]) == (2, 2)
    assert set(Lead.objects.values_list("last_name", flat=True)) == {"Müller", "Gößler"}
    job = LeadImport.objects.get()
    issues = list(job.issues.order_by("row_number"))
    assert [i.row_number for i in issues] == [4, 5]
    assert all("NUL" in i.message for i in issues)
    assert issues[0].values[2] == "Bad\N{SYMBOL FOR NULL}Name"
    report = api(org.sam).get(f"/api/v1/leads/import/{job.pk}/errors/")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["4", "5"] and "\x00" not in text


def test_a_file_full_of_nul_bytes_is_still_refused_as_binary(org, api):
    content = b"Topic,Last Name\r\n" + b"\x00\x01\x02\x03" * 200
    response = api(org.sam).post("/api/v1/leads/import/", {"file": upload(content)},
                                 format="multipart")
    assert response.status_code == 400 and response.json()["reason"] == "import_binary_file"


@pytest.mark.parametrize("name", ["latin-1", "cp1252", "utf-16", "utf-8-bom"])
def test_the_pages_detect_show_and_import_each_encoding(org, web, name):
    content, expected, names = FILES[name]
    client = web(org.sam)
    response = client.post("/leads/import/", {"file": upload(content), "encoding": "auto"})
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    html = page.content.decode()
    assert page.context["form"]["encoding"].value() == expected
    assert 'data-testid="import-encoding"' in html and "Müller" in html  # preview decoded
    form = {"col_0": "topic", "col_1": "first_name", "col_2": "last_name", "col_3": "company",
            "col_4": "estimated_value", "duplicate_policy": "skip", "encoding": expected}
    response = client.post(mapping_url, {**form, "start": "1"})
    assert response.status_code == 302
    job = LeadImport.objects.get()
    assert (job.status, job.encoding, job.created_count) == (ImportStatus.DONE, expected,
                                                             len(names))
    assert set(Lead.objects.values_list("last_name", flat=True)) == names


def test_the_mapping_step_overrides_a_wrong_encoding(org, web):
    content = csv_bytes(EURO_ROWS, "cp1252")
    client = web(org.sam)
    # Chosen by hand (wrongly) as Latin-1: it decodes, but the euro sign becomes a control code.
    response = client.post("/leads/import/", {"file": upload(content), "encoding": "iso-8859-1"})
    mapping_url = response["Location"]
    assert LeadImport.objects.get().encoding == "iso-8859-1"
    form = {"col_0": "topic", "col_1": "first_name", "col_2": "last_name", "col_3": "company",
            "col_4": "estimated_value", "duplicate_policy": "skip"}
    changed = client.post(mapping_url, {**form, "encoding": "windows-1252", "preview": "1"})
    assert changed.status_code == 200
    assert "now read as Windows" in changed.content.decode()
    assert "Préfet €uro" in changed.content.decode()
    assert LeadImport.objects.get().encoding == "windows-1252"
    refused = client.post(mapping_url, {**form, "encoding": "utf-8", "preview": "1"})
    assert refused.status_code == 400 and "not valid UTF-8" in refused.content.decode()
    assert LeadImport.objects.get().encoding == "windows-1252"
    client.post(mapping_url, {**form, "encoding": "windows-1252", "start": "1"})
    assert Lead.objects.get(last_name="Brontë").company == "Préfet €uro"
