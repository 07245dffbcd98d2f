"""Bulk loading through PostgreSQL COPY: the fastest way to put millions of rows in."""

import io
import time
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import connection


def _cell(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, dict | list):
        import json

        value = json.dumps(value)
    text = str(value)
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def copy_rows(model, columns: list[str], rows: Iterable[tuple], chunk: int = 50_000) -> int:
    """COPY `rows` (tuples in `columns` order; columns are model attnames) into the table."""
    table = model._meta.db_table
    db_columns = [model._meta.get_field(c).column if c != "id" else "id" for c in columns]
    sql = f"COPY {table} ({', '.join(db_columns)}) FROM STDIN"
    count = 0
    buf = io.StringIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for row in rows:
            buf.write("\t".join(_cell(v) for v in row))
            buf.write("\n")
            count += 1
            if count % chunk == 0:
                buf.seek(0)
                raw.copy_expert(sql, buf)
                buf = io.StringIO()
        if buf.tell():
            buf.seek(0)
            raw.copy_expert(sql, buf)
    return count


def reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


class Timer:
    def __init__(self, label, report):
        self.label, self.report = label, report

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start

    def done(self, rows):
        self.report.append((self.label, rows, self.elapsed))
        rate = rows / self.elapsed if self.elapsed else 0
        print(f"  {self.label:<28} {rows:>10,} rows  {self.elapsed:7.1f} s  {rate:>10,.0f} rows/s",
              flush=True)
