"""CSV formula injection (issue 14, item 5): every CSV the product writes goes through
crm.common.csvexport, which defuses cells a spreadsheet would evaluate (OWASP rule)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.common.csvexport import safe_cell, writer
from leads.models import LeadImport
from tests.opportunities.factories import OpportunityFactory

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("value, expected", [
    (EVIL, "'" + EVIL),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("  =1+1", "'  =1+1"),  # spreadsheets skip the leading spaces
    ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
    ("-12.50", "-12.50"),  # a plain number is not a formula: money columns stay numbers
    ("+3", "+3"),
    ("Müller & Söhne", "Müller & Söhne"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (Decimal("-5.00"), "-5.00"),
    (42, "42"),
])
def test_safe_cell_prefixes_formula_triggers_with_a_quote(value, expected):
    assert safe_cell(value) == expected


def test_the_writer_escapes_every_cell_and_keeps_csv_quoting():
    out = io.StringIO()
    writer(out).writerow([EVIL, "plain", 'say "hi", then =go', "-1"])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'" + EVIL, "plain", 'say "hi", then =go', "-1"]]


@pytest.mark.django_db
def test_a_dashboard_csv_export_defuses_an_opportunity_named_like_a_formula(org, web):
    OpportunityFactory(owner=org.maria, topic=EVIL, estimated_revenue=Decimal("9000.00"))
    OpportunityFactory(owner=org.maria, topic="@SUM(1+1)*cmd|' /C calc'!A0",
                       estimated_revenue=Decimal("8000.00"))
    OpportunityFactory(owner=org.maria, topic="Plain deal", estimated_revenue=Decimal("7000.00"))
    response = web(org.maria).get("/dashboards/manager/opportunities.top_open.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    names = [row[0] for row in rows[1:]]
    assert names[:3] == ["'" + EVIL, "'@SUM(1+1)*cmd|' /C calc'!A0", "Plain deal"]
    assert rows[1][4] == "9000.00"  # numbers untouched


@pytest.mark.django_db
def test_the_lead_import_error_report_defuses_formulas_in_api_and_page(
        org, api, web, django_capture_on_commit_callbacks):
    content = (
        "Topic,Last Name,Email\r\n"
        f'"{EVIL.replace(chr(34), chr(34) * 2)}",Doe,not-an-email\r\n'
        "Seats,-1+1,@evil\r\n"
        "Seats,Fine,fine@ok.example\r\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):  # the import runs on commit
        response = api(org.sam).post(
            "/api/v1/leads/import/",
            {"file": SimpleUploadedFile("evil.csv", content, content_type="text/csv")},
            format="multipart")
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert LeadImport.objects.get(pk=job_id).error_count == 2

    api_report = api(org.sam).get(f"/api/v1/leads/import/{job_id}/errors/",
                                  HTTP_ACCEPT="text/csv")  # negotiable, not a 406
    page_report = web(org.sam).get(f"/leads/import/{job_id}/report.csv")
    for report in (api_report, page_report):
        assert report.status_code == 200
        assert report["Content-Type"] == "text/csv; charset=utf-8"
        text = b"".join(report.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][:3] == ["Line", "Problem", "Topic"]
        assert rows[1][2:] == ["'" + EVIL, "Doe", "not-an-email"]
        assert rows[2][2:] == ["Seats", "'-1+1", "'@evil"]
        for row in rows:
            for cell in row:
                assert not cell.lstrip(" ").startswith(("=", "+", "@", "\t", "\r")), cell
