"""The one CSV writer every export uses: cells a spreadsheet would run as a formula are defused.

OWASP "CSV Injection": a cell starting with `=`, `+`, `-`, `@`, tab, carriage return (and, per
ASVS 1.2.10, NUL; we add line feed and the full-width look-alikes some spreadsheets accept) is
prefixed with a single quote so it is shown as text. Spreadsheets skip leading spaces before
evaluating, so a trigger after leading whitespace is escaped too. Plain numbers (`-12.50`,
`+3`) cannot be formulas and are written as they are, so money columns stay numeric. Quoting of
delimiters, quotes and line breaks is the csv module's (RFC 4180).
"""

import csv
import json
import re

from rest_framework.renderers import BaseRenderer

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def safe_cell(value) -> str:
    """`value` as CSV cell text, with a leading `'` if a spreadsheet would evaluate it."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not text:
        return text
    stripped = text.lstrip(" ")
    first = stripped[:1] or text[:1]
    if (text[0] in FORMULA_TRIGGERS or first in FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(
        text.strip()
    ):
        return "'" + text
    return text


class SafeWriter:
    """`csv.writer` with every cell passed through `safe_cell`."""

    def __init__(self, fileobj, **fmtparams):
        self._writer = csv.writer(fileobj, **fmtparams)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(fileobj, **fmtparams) -> SafeWriter:
    return SafeWriter(fileobj, **fmtparams)


class CSVRenderer(BaseRenderer):
    """Lets an API CSV download be negotiated (`Accept: text/csv`); the view streams the CSV
    itself, so this renders only the errors, as JSON labelled as such."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()
