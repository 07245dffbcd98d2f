"""Exports of a list view: CSV and XLSX with exactly the list's rows (every page) and
columns, formula cells escaped, streamed without loading every row."""

import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from openpyxl import load_workbook

from crm.listviews import export as export_module
from crm.listviews.resources import RESOURCES
from leads.models import Lead
from tests.leads.factories import LeadFactory

from .makers import MAKERS, make_rows

pytestmark = pytest.mark.django_db


def _content(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def _page_rows(client, path):
    """Every row of the list as the pages show it (following the pages), as id lists."""
    ids, page = [], 1
    while True:
        response = client.get(f"{path}&page={page}" if "?" in path else f"{path}?page={page}")
        ids += [r.pk for r in response.context["object_list"]]
        if not response.context["has_next"]:
            return ids, response
        page += 1


def test_xlsx_export_equals_the_list_across_all_pages(org, web):
    rows = make_rows("opportunities", org, 30)
    client = web(org.sam)
    path = "/opportunities/?status=open&sort=-revenue&cols=topic,account,revenue,close,owner"
    ids, page = _page_rows(client, path)
    assert len(ids) == 30  # two pages
    response = client.get(path + "&export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(_content(response)), read_only=True).worksheets[0]
    got = list(sheet.iter_rows(values_only=True))
    assert list(got[0]) == ["Topic", "Account", "Est. revenue", "Est. close", "Owner"]
    by_id = {o.pk: o for o in rows}
    expected = [[by_id[i].topic, by_id[i].account.name, by_id[i].estimated_revenue,
                 by_id[i].estimated_close_date, str(by_id[i].owner)] for i in ids]
    actual = [[r[0], r[1], Decimal(str(r[2])).quantize(Decimal("0.01")),
               r[3].date() if r[3] is not None else None, r[4]] for r in got[1:]]
    assert actual == expected


def test_csv_export_with_the_page_columns_and_visibility(org, web):
    mine = LeadFactory(owner=org.sam, company="=HYPERLINK(\"http://evil\")", last_name="Ada")
    LeadFactory(owner=org.olga, last_name="Hidden")  # another team: not readable by sam
    client = web(org.sam)
    response = client.get("/leads/?view=all&export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = _content(response).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    view = RESOURCES["leads"].view_class
    shown = ("select",) if "Score" in table[0] else ("select", "score")  # scoring on or off
    header = [str(c.label) for c in view.columns if c.key not in shown]
    assert table[0] == header
    assert len(table) == 2  # sam's lead only
    row = dict(zip(table[0], table[1], strict=True))
    assert row["Company"] == "'=HYPERLINK(\"http://evil\")"  # defused
    assert row["Name"] == "Pat Ada" and row["Owner"] == str(mine.owner)
    assert "Hidden" not in text


def test_xlsx_formula_cells_are_escaped(org, web):
    LeadFactory(owner=org.sam, company="=1+2", topic="@SUM(A1)", last_name="-3+4")
    response = web(org.sam).get("/leads/?view=all&cols=company,topic&export=xlsx")
    sheet = load_workbook(io.BytesIO(_content(response))).worksheets[0]
    assert [c.value for c in sheet[2]] == ["'=1+2", "'@SUM(A1)"]
    assert all(c.data_type != "f" for c in sheet[2])


@pytest.mark.parametrize("resource", list(MAKERS))
def test_every_list_exports_its_rows(resource, org, web):
    make_rows(resource, org, 3)
    path, _make = MAKERS[resource]
    sep = "&" if "?" in path else "?"
    client = web(org.sam)
    ids, _page = _page_rows(client, path)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"{path}{sep}export={fmt}")
        assert response.status_code == 200
        body = _content(response)
        if fmt == "csv":
            assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) == len(ids) + 1
        else:
            sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
            assert len(list(sheet.iter_rows(values_only=True))) == len(ids) + 1


def _clone_leads(total: int) -> None:
    """`total` leads from the existing ones, copied in SQL (fast)."""
    columns = [f.column for f in Lead._meta.concrete_fields if f.column != "id"]
    unique = {"import_key"}
    select = ", ".join("NULL" if c in unique else f'l."{c}"' for c in columns)
    have = Lead.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {Lead._meta.db_table} ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
            f"SELECT {select} FROM {Lead._meta.db_table} l, generate_series(1, %s)",
            [total // have - 1])


def test_a_100000_row_export_streams_in_bounded_memory(org, web, settings):
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 200_000  # streamed in the request, not a job
    LeadFactory.create_batch(100, owner=org.sam)
    _clone_leads(100_000)
    assert Lead.objects.count() == 100_000
    chunks = []
    client = web(org.sam)
    response = client.get("/leads/?view=all&cols=name,company,status,owner,created&export=csv")
    assert isinstance(response, StreamingHttpResponse)
    tracemalloc.start()
    lines = 0
    try:
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            chunks.append(len(chunk))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == 100_001
    # 100,000 row dicts would take well over 100 MB; the stream holds one chunk of rows
    assert peak < 25 * 1024 * 1024, peak
    assert len(chunks) > 100_000  # a row at a time, not one body
    assert export_module.CHUNK_ROWS <= 5000


def test_xlsx_export_streams_in_bounded_memory(org, web, settings):
    """(20,000 rows: the write-only workbook's memory does not grow with the rows, and
    tracing every allocation of a 100,000-row workbook takes minutes.)"""
    settings.CRM_EXPORT_INLINE_MAX_ROWS = 200_000  # streamed in the request, not a job
    LeadFactory.create_batch(100, owner=org.sam)
    _clone_leads(20_000)
    response = web(org.sam).get("/leads/?view=all&cols=company,status&export=xlsx")
    tracemalloc.start()
    size = 0
    try:
        for chunk in response.streaming_content:
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size > 100_000
    assert peak < 20 * 1024 * 1024, peak
