"""A list view's rows as CSV or XLSX: every row of the list (not only the page), its columns,
streamed.

Exports read from the read replica when one is configured (`crm.common.db_router.on_replica`:
a replica that cannot be reached is skipped and the primary read instead). An export of more
than `CRM_EXPORT_INLINE_MAX_ROWS` rows is not built inside the web request: it becomes an
`ExportJob` a Celery worker writes to a file and the user is told where to find it; smaller
ones stream at once (`crm.listviews.export_jobs.export_response` decides).

Rows come from a server-side cursor in chunks (`QuerySet.iterator`), so an export of 100,000
rows never holds them all. CSV is written a row at a time through the one CSV writer
(crm.common.csvexport, formula cells defused). XLSX is an openpyxl write-only workbook: rows go
to its temporary sheet file as they are read; the finished file is then streamed in blocks.
Cells a spreadsheet would evaluate are escaped the same way as in CSV.
"""

import datetime
import decimal
import tempfile

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from crm.common.csvexport import safe_cell
from crm.common.csvexport import writer as csv_writer
from crm.common.listing import ListPage, Row, values_fields

CHUNK_ROWS = 2000
BLOCK = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_columns(view) -> list:
    columns = view.get_columns() or view.columns or ()
    return [c for c in columns if c.key not in view.fixed_columns]


def inline_max_rows() -> int:
    return int(settings.CRM_EXPORT_INLINE_MAX_ROWS)


def export_rows(view, *, count_upto: int | None = None):
    """(header labels, iterator of rows of plain values, row count) of the list as it shows.

    Called inside `on_replica` the rows are read on the replica: the queryset is pinned to the
    connection the block chose, so the stream keeps reading there after the block. With
    `count_upto` the rows are counted first, up to that many plus one (a bounded COUNT that
    also tells whether the replica answers before anything is streamed); else the count is
    None."""
    columns = export_columns(view)
    queryset, _filterset, _term, _sort = view.get_list_queryset()
    queryset = queryset.values(*values_fields(columns))
    queryset = queryset.using(queryset.db)  # the router's choice now: the replica in on_replica
    count = queryset[: count_upto + 1].count() if count_upto is not None else None
    page = ListPage(view.request)

    def rows():
        for values in queryset.iterator(chunk_size=CHUNK_ROWS):
            row = Row(values)
            yield [column.plain(row, page) for column in columns]

    return [str(c.label) for c in columns], rows(), count


def _filename(view, fmt: str) -> str:
    stamp = timezone.localdate().isoformat()
    return f"{slugify(view.resource) or 'export'}-{stamp}.{fmt}"


class _Echo:
    def write(self, value):
        return value


def _csv_value(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def csv_stream(header, rows):
    out = csv_writer(_Echo())
    yield "\ufeff" + out.writerow(header)
    for row in rows:
        yield out.writerow([_csv_value(v) for v in row])


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float | decimal.Decimal
                                   | datetime.date | datetime.datetime):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return safe_cell(text)


def xlsx_workbook(header, rows, title: str = "Export"):
    """The workbook written row by row (write-only mode: rows go to a temporary sheet file)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.append([_xlsx_value(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    return workbook


def xlsx_stream(header, rows, title: str = "Export"):
    """Write the workbook, then stream the file."""
    workbook = xlsx_workbook(header, rows, title)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while True:
            block = handle.read(BLOCK)
            if not block:
                break
            yield block


def export_query(view) -> str:
    """The list's query string as the page applied it, without what is not about the rows."""
    query = view.request.GET.copy()
    for name in ("export", "page", "move"):
        query.pop(name, None)
    return query.urlencode()


def stream_response(view, fmt: str, header, rows) -> StreamingHttpResponse:
    """The export as a download, streamed while the rows are read."""
    if fmt == "xlsx":
        response = StreamingHttpResponse(xlsx_stream(header, rows, str(view.resource)),
                                         content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(csv_stream(header, rows),
                                         content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(view, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


def write_export(handle, fmt: str, header, rows, title: str = "Export") -> None:
    """The same bytes as the streamed download, written to a binary file."""
    if fmt == "xlsx":
        xlsx_workbook(header, rows, title).save(handle)
    else:
        for text in csv_stream(header, rows):
            handle.write(text.encode("utf-8"))
