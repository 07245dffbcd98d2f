"""CSV lead import: read and check the file, map columns, run in batches.

Speed comes from doing per batch (not per row) everything that touches the database: one query
finds rows already imported (their content hash), one query per duplicate key finds existing
leads (email, phone, name + company, all stored normalised and indexed), one `bulk_create`
inserts the batch and one more stores the report lines. A row that fails validation is
reported and the others are kept; a re-run of the same file skips what it already imported.
"""

import codecs
import csv
import hashlib
import io
import queue
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO

import charset_normalizer
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from crm.automation.services import emit_bulk_created
from crm.common import csvexport
from crm.common.codes import RefusalReason
from crm.customers.models import Industry

from .keys import company_key, email_domain, email_key, name_key, phone_key
from .models import (
    BudgetStatus,
    DuplicatePolicy,
    ImportMapping,
    ImportStatus,
    Lead,
    LeadImport,
    LeadImportIssue,
    LeadSource,
    Need,
    PurchaseProcess,
    PurchaseTimeframe,
    Rating,
)
from .rules import lead_input_errors

BATCH_SIZE = 5000
MAX_FIELD_BYTES = 32 * 1024
MAX_ROWS = 1_000_000
PREVIEW_ROWS = 10
AUTO_ENCODING = "auto"
ENCODINGS = [("utf-8", _l("UTF-8 (recommended)")), ("windows-1252", _l("Windows (Western European)")),
             ("iso-8859-1", "ISO-8859-1 (Latin-1)"), ("utf-16", "UTF-16")]
ENCODING_CHOICES = [(AUTO_ENCODING, _l("Detect automatically")), *ENCODINGS]
DETECT_BYTES = 256 * 1024
# charset-normalizer's names for the encodings we offer (it is asked about these only: left
# free it calls short Western files Central European, cp1250).
_DETECTABLE = {"utf_8": "utf-8", "utf_16": "utf-16", "cp1252": "windows-1252",
               "latin_1": "iso-8859-1"}
NUL = "\x00"

# field -> (label, header synonyms used to guess the mapping)
FIELDS = {
    "topic": (_l("Topic"), ["topic", "subject", "title of lead", "interest"]),
    "salutation": (_l("Salutation"), ["salutation", "title", "mr/ms"]),
    "first_name": (_l("First name"), ["first name", "firstname", "given name", "first"]),
    "last_name": (_l("Last name"), ["last name", "lastname", "surname", "family name", "last"]),
    "company": (_l("Company"), ["company", "company name", "organisation", "organization",
                               "account", "account name"]),
    "job_title": (_l("Job title"), ["job title", "jobtitle", "position", "role"]),
    "email": (_l("Email"), ["email", "e-mail", "email address", "mail", "e-mail address"]),
    "email2": (_l("Email 2"), ["email 2", "secondary email", "other email"]),
    "business_phone": (_l("Business phone"), ["phone", "business phone", "telephone",
                                             "work phone", "phone number", "tel"]),
    "mobile_phone": (_l("Mobile phone"), ["mobile", "mobile phone", "cell", "cell phone"]),
    "website": (_l("Website"), ["website", "web site", "url", "homepage"]),
    "street": (_l("Street"), ["street", "address", "address 1", "street 1"]),
    "city": (_l("City"), ["city", "town"]),
    "state": (_l("State/province"), ["state", "province", "region", "state/province"]),
    "postal_code": (_l("Postal code"), ["postal code", "zip", "zip code", "postcode"]),
    "country": (_l("Country"), ["country", "country/region"]),
    "source": (_l("Source"), ["source", "lead source"]),
    "rating": (_l("Rating"), ["rating", "lead rating"]),
    "industry": (_l("Industry"), ["industry"]),
    "employees": (_l("Employees"), ["employees", "no. of employees", "number of employees",
                                   "headcount"]),
    "annual_revenue": (_l("Annual revenue"), ["annual revenue", "revenue"]),
    "budget_amount": (_l("Budget amount"), ["budget", "budget amount"]),
    "budget_status": (_l("Budget"), ["budget status"]),
    "purchase_timeframe": (_l("Purchase timeframe"), ["purchase timeframe", "timeframe"]),
    "purchase_process": (_l("Purchase process"), ["purchase process"]),
    "need": (_l("Need"), ["need"]),
    "decision_maker": (_l("Decision maker"), ["decision maker", "decision maker?"]),
    "estimated_value": (_l("Estimated value"), ["estimated value", "value", "est. value"]),
    "estimated_close_date": (_l("Estimated close date"), ["estimated close date",
                                                         "close date"]),
    "description": (_l("Description"), ["description", "notes", "comments"]),
}
CHOICE_FIELDS = {
    "source": LeadSource, "rating": Rating, "industry": Industry,
    "budget_status": BudgetStatus, "purchase_timeframe": PurchaseTimeframe,
    "purchase_process": PurchaseProcess, "need": Need,
}
DECIMAL_FIELDS = {"annual_revenue", "budget_amount", "estimated_value"}
MAX_LENGTHS = {f.name: f.max_length for f in Lead._meta.concrete_fields
               if getattr(f, "max_length", None) and f.name in FIELDS}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"1", "yes", "y", "true", "x", "ja", "oui", "si"}
_FALSE = {"", "0", "no", "n", "false", "nein", "non"}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d")


class ImportFileError(Exception):
    """A file we cannot import at all; the message tells the user what to fix, `reason`
    (crm.common.codes.RefusalReason) says which problem it is."""

    def __init__(self, message: object, *, reason: RefusalReason) -> None:
        self.reason = reason
        super().__init__(str(message))


@dataclass
class FileInfo:
    headers: list[str]
    delimiter: str
    rows: int
    preview: list[list[str]]


def _choice_lookup(choices) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[value.lower()] = value
        table[str(label).lower()] = value
        table[value.replace("_", " ").lower()] = value
    return table


CHOICE_LOOKUPS = {name: _choice_lookup(c) for name, c in CHOICE_FIELDS.items()}


def _text_stream(fileobj, encoding: str):
    fileobj.seek(0)
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return io.TextIOWrapper(fileobj, encoding=codec, errors="strict", newline="")


def detect_encoding(fileobj) -> str:
    """The encoding (one of ENCODINGS) an uploaded CSV was most likely saved with.

    A byte-order mark decides; else text that is valid UTF-8 is UTF-8; else charset-normalizer
    chooses among the other offered encodings. Windows-1252 and Latin-1 differ only in bytes
    0x80-0x9F (€, curly quotes... in Windows-1252, control codes in Latin-1), so a file without
    those bytes is reported as Latin-1 (both read it the same)."""
    fileobj.seek(0)
    sample = fileobj.read(DETECT_BYTES)
    fileobj.seek(0)
    if isinstance(sample, str):
        return "utf-8"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A sample cut in the middle of a character is still UTF-8: do not finish the decode.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < DETECT_BYTES)
        if b"\x00" not in sample[:4096]:
            return "utf-8"
    except UnicodeError:
        pass
    best = charset_normalizer.from_bytes(sample, cp_isolation=list(_DETECTABLE)).best()
    encoding = _DETECTABLE.get(best.encoding if best is not None else "", "windows-1252")
    if encoding in ("windows-1252", "iso-8859-1"):
        western = any(0x80 <= byte <= 0x9F for byte in sample)
        encoding = "windows-1252" if western else "iso-8859-1"
    return encoding


def _reader(stream, delimiter: str):
    csv.field_size_limit(MAX_FIELD_BYTES)
    return csv.reader(stream, delimiter=delimiter)


def inspect_file(fileobj, encoding: str = "utf-8") -> FileInfo:
    """Check a whole uploaded file once: encoding, header row, delimiter, row count, sizes.

    Raises ImportFileError with a message a user can act on.
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(_("Unknown encoding “%(enc)s”.") % {"enc": encoding},
                              reason=RefusalReason.IMPORT_UNKNOWN_ENCODING)
    stream = _text_stream(fileobj, encoding)
    try:
        sample = stream.read(64 * 1024)
        stream.detach()  # keep the upload open: a dropped wrapper would close it
    except UnicodeError:
        raise ImportFileError(_(
            "The file is not valid %(enc)s text. Save it as “CSV UTF-8” in your spreadsheet "
            "program, or choose the encoding it was saved with."
        ) % {"enc": encoding.upper()}, reason=RefusalReason.IMPORT_WRONG_ENCODING)
    if not sample.strip():
        raise ImportFileError(_("The file is empty."), reason=RefusalReason.IMPORT_EMPTY_FILE)
    first_line = sample.splitlines()[0] if sample.splitlines() else sample
    if NUL in first_line or sample.count(NUL) * 20 > len(sample):
        # A NUL here and there is a bad cell (reported per row); many are a binary file.
        raise ImportFileError(_(
            "This does not look like a CSV text file (it contains binary data). Export the "
            "sheet as CSV and upload that file."
        ), reason=RefusalReason.IMPORT_BINARY_FILE)
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        delimiter = ","
    stream = _text_stream(fileobj, encoding)
    reader = _reader(stream, delimiter)
    preview: list[list[str]] = []
    rows = 0
    try:
        headers = next(reader, None)
        if not headers or not any(h.strip() for h in headers):
            raise ImportFileError(_("The first row must name the columns; it is empty."),
                                  reason=RefusalReason.IMPORT_NO_HEADER)
        headers = [h.strip() for h in headers]
        if len({h.lower() for h in headers if h}) < len([h for h in headers if h]):
            raise ImportFileError(_("Two columns have the same name; rename one of them."),
                                  reason=RefusalReason.IMPORT_DUPLICATE_COLUMNS)
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            if rows <= PREVIEW_ROWS:
                preview.append(row)
            if rows > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)d rows; split it.")
                                      % {"max": MAX_ROWS},
                                      reason=RefusalReason.IMPORT_TOO_MANY_ROWS)
    except UnicodeError:
        raise ImportFileError(_(
            "Row %(row)d is not valid %(enc)s text. Save the file as “CSV UTF-8”, or choose "
            "the encoding it was saved with."
        ) % {"row": reader.line_num + 1, "enc": encoding.upper()},
            reason=RefusalReason.IMPORT_WRONG_ENCODING)
    except csv.Error as exc:
        raise ImportFileError(_(
            "Line %(line)d cannot be read as CSV (%(error)s). Fields are limited to "
            "%(kb)d KB; check the quotes around that line."
        ) % {"line": reader.line_num, "error": exc, "kb": MAX_FIELD_BYTES // 1024},
            reason=RefusalReason.IMPORT_NOT_CSV)
    finally:
        stream.detach()
    if rows == 0:
        raise ImportFileError(_("The file has a header row but no data rows."),
                              reason=RefusalReason.IMPORT_NO_DATA_ROWS)
    return FileInfo(headers=headers, delimiter=delimiter, rows=rows, preview=preview)


XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx file is a zip archive


def is_xlsx(fileobj, name: str = "") -> bool:
    """An Excel workbook (by its zip signature, or its name when it is not a zip at all)."""
    head = fileobj.read(4)
    fileobj.seek(0)
    return head == XLSX_MAGIC or (name or "").lower().endswith(".xlsx")


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return (value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0)
                else value.isoformat(sep=" "))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def xlsx_to_csv(fileobj: IO[bytes]) -> IO[bytes]:
    """The first sheet of an XLSX workbook as a UTF-8 CSV file, so an XLSX upload then goes
    through the CSV import unchanged (mapping, preview, per-row report). openpyxl's read-only
    mode reads the sheet row by row: a large workbook is never held whole."""
    import tempfile
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ImportFileError(_(
            "This XLSX file cannot be read (%(error)s). Save it again in your spreadsheet "
            "program as an Excel workbook (.xlsx), or export the sheet as CSV."
        ) % {"error": exc.__class__.__name__},
            reason=RefusalReason.IMPORT_UNREADABLE_XLSX) from None
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024, mode="w+b")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    rows = 0
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The workbook has no sheet."),
                                  reason=RefusalReason.IMPORT_NO_SHEET)
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            cells = [_xlsx_cell(v) for v in row]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells and rows == 0:
                continue  # blank rows above the header
            writer.writerow(cells)
            rows += 1
            if rows > MAX_ROWS + 1:
                raise ImportFileError(_("The file has more than %(max)d rows; split it.")
                                      % {"max": MAX_ROWS},
                                      reason=RefusalReason.IMPORT_TOO_MANY_ROWS)
    finally:
        workbook.close()
    text.flush()
    text.detach()
    out.seek(0)
    return out


def header_key(headers: list[str]) -> str:
    normalised = sorted(h.strip().lower() for h in headers if h.strip())
    return hashlib.sha256("\x1f".join(normalised).encode()).hexdigest()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """The mapping remembered for this set of headers, else one guessed from their names."""
    remembered = ImportMapping.objects.filter(header_key=header_key(headers)).first()
    if remembered is not None:
        return {h: remembered.mapping.get(h, "") for h in headers}
    synonyms = {}
    for field, (label, words) in FIELDS.items():
        for word in [field, field.replace("_", " "), str(label).lower(), *words]:
            synonyms.setdefault(word.lower(), field)
    mapping, used = {}, set()
    for header in headers:
        field = synonyms.get(" ".join(header.lower().replace("_", " ").split()), "")
        if field in used:
            field = ""
        used.add(field)
        mapping[header] = field
    return mapping


def remember_mapping(headers: list[str], mapping: dict[str, str]) -> None:
    ImportMapping.objects.update_or_create(
        header_key=header_key(headers), defaults={"headers": headers, "mapping": mapping}
    )


def mapping_problems(mapping: dict[str, str], default_topic: str = "") -> list[str]:
    """What a mapping lacks before an import can start."""
    fields = [f for f in mapping.values() if f]
    problems = []
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        problems.append(_("Unknown lead fields: %(f)s.") % {"f": ", ".join(unknown)})
    doubled = sorted({f for f in fields if fields.count(f) > 1})
    if doubled:
        problems.append(_("Each field can take one column only: %(f)s.") % {
            "f": ", ".join(str(FIELDS[f][0]) for f in doubled if f in FIELDS)})
    if "topic" not in fields and not default_topic.strip():
        problems.append(_("Map a column to Topic, or give a topic for every row."))
    if "last_name" not in fields and "company" not in fields:
        problems.append(_("Map a column to Last name or to Company (a lead needs one)."))
    return problems


def _parse_decimal(raw: str) -> Decimal:
    text = raw.replace(" ", "").replace("\u00a0", "")
    text = re.sub(r"[^\d,.\-]", "", text)
    if "," in text and "." in text:
        text = text.replace(",", "") if text.rfind(".") > text.rfind(",") else (
            text.replace(".", "").replace(",", "."))
    elif "," in text:
        head, _sep, tail = text.rpartition(",")
        text = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else text.replace(",", "")
    value = Decimal(text)  # a negative amount is the lead rules' to refuse (leads.rules)
    if abs(value) >= Decimal("1e16"):
        raise InvalidOperation
    return value.quantize(Decimal("0.01"))


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError


def clean_row(values: dict[str, str]) -> tuple[dict, list[str]]:
    """Turn one mapped row into Lead field values, or say what is wrong with it."""
    data, errors = {}, []
    for field, raw in values.items():
        raw = raw.strip()
        if not raw:
            continue
        label = FIELDS[field][0]
        if field in DECIMAL_FIELDS:
            try:
                data[field] = _parse_decimal(raw)
            except (InvalidOperation, ValueError):
                errors.append(_("%(f)s: “%(v)s” is not an amount.") % {"f": label, "v": raw})
        elif field == "employees":
            if raw.replace(",", "").isdigit() and int(raw.replace(",", "")) <= 10_000_000:
                data[field] = int(raw.replace(",", ""))
            else:
                errors.append(_("%(f)s: “%(v)s” is not a whole number.") % {"f": label, "v": raw})
        elif field == "estimated_close_date":
            try:
                data[field] = _parse_date(raw)
            except ValueError:
                errors.append(_("%(f)s: “%(v)s” is not a date (use YYYY-MM-DD).")
                              % {"f": label, "v": raw})
        elif field == "decision_maker":
            if raw.lower() in _TRUE:
                data[field] = True
            elif raw.lower() not in _FALSE:
                errors.append(_("%(f)s: use yes or no.") % {"f": label})
        elif field in CHOICE_LOOKUPS:
            value = CHOICE_LOOKUPS[field].get(raw.lower())
            if value is None:
                errors.append(_("%(f)s: “%(v)s” is not one of the choices.")
                              % {"f": label, "v": raw[:40]})
            else:
                data[field] = value
        else:
            if field in ("email", "email2") and not _EMAIL_RE.match(raw):
                errors.append(_("%(f)s: “%(v)s” is not an email address.")
                              % {"f": label, "v": raw[:80]})
                continue
            if field == "website" and "://" not in raw:
                raw = f"https://{raw}"
            limit = MAX_LENGTHS.get(field)
            if limit and len(raw) > limit:
                errors.append(_("%(f)s: longer than %(n)d characters.") % {"f": label, "n": limit})
                continue
            data[field] = raw
    for field, problems in lead_input_errors(data).items():
        errors.extend(f"{FIELDS[field][0]}: {problem.message}" for problem in problems)
    return data, errors


def _row_hash(owner_id: int, data: dict) -> str:
    payload = "\x1f".join(f"{k}={v}" for k, v in sorted(data.items()))
    return hashlib.sha1(f"{owner_id}\x1e{payload}".encode()).hexdigest()


class _DuplicateIndex:
    """Duplicate keys of existing leads (looked up per batch) and of rows seen in this run."""

    def __init__(self):
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.names: set[tuple[str, str]] = set()

    def load(self, rows) -> set[str]:
        """Fill the index with the keys of existing leads that share a key with these rows,
        and return the rows' content hashes that an earlier run already imported.

        One query per batch: at most one pass over the table per 5,000 rows, even when the
        planner prefers a scan to thousands of index probes."""
        emails = {r.email_key for r in rows if r.email_key}
        phones = {p for r in rows for p in (r.phone_key, r.mobile_key) if p}
        companies = {r.company_key for r in rows if r.company_key and r.name_key}
        import_keys = {r.data["import_key"] for r in rows}
        already = set()
        columns = ("import_key", "email_key", "phone_key", "mobile_key", "name_key",
                   "company_key")
        if connection.vendor == "postgresql":
            # One array parameter per key instead of thousands of placeholders: planning
            # and quoting stay cheap, and PostgreSQL hashes `= ANY(array)` lookups.
            phone_list = sorted(phones)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {', '.join(columns)} FROM {Lead._meta.db_table} "
                    "WHERE import_key = ANY(%s::varchar[]) OR email_key = ANY(%s::varchar[]) "
                    "OR phone_key = ANY(%s::varchar[]) OR mobile_key = ANY(%s::varchar[]) "
                    "OR company_key = ANY(%s::varchar[])",
                    [sorted(import_keys), sorted(emails), phone_list, phone_list,
                     sorted(companies)],
                )
                found = cursor.fetchall()
        else:
            condition = Q(import_key__in=import_keys) | Q(email_key__in=emails) | Q(
                phone_key__in=phones) | Q(mobile_key__in=phones) | Q(company_key__in=companies)
            found = Lead.objects.filter(condition).order_by().values_list(*columns)
        for ikey, ekey, pkey, mkey, nkey, ckey in found:
            if ikey in import_keys:
                already.add(ikey)
            if ekey:
                self.emails.add(ekey)
            self.phones |= {p for p in (pkey, mkey) if p}
            if nkey and ckey:
                self.names.add((nkey, ckey))
        return already

    def match(self, lead) -> str:
        if lead.email_key and lead.email_key in self.emails:
            return "email"
        if (lead.phone_key and lead.phone_key in self.phones) or (
                lead.mobile_key and lead.mobile_key in self.phones):
            return "phone"
        if lead.name_key and lead.company_key and (
                (lead.name_key, lead.company_key) in self.names):
            return "name_company"
        return ""

    def add(self, lead) -> None:
        if lead.email_key:
            self.emails.add(lead.email_key)
        self.phones |= {p for p in (lead.phone_key, lead.mobile_key) if p}
        if lead.name_key and lead.company_key:
            self.names.add((lead.name_key, lead.company_key))


RULE_MESSAGES = {
    "email": _l("Skipped: a lead with this email exists."),
    "phone": _l("Skipped: a lead with this phone number exists."),
    "name_company": _l("Skipped: a lead with this name and company exists."),
}


def run_import(job_id: int) -> LeadImport:
    """Import every row of a queued job (idempotent: safe to run again after a crash)."""
    with transaction.atomic():
        job = LeadImport.objects.select_for_update().get(pk=job_id)
        if job.status == ImportStatus.DONE:
            return job
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.processed = job.created_count = job.duplicate_count = 0
        job.already_imported_count = job.error_count = 0
        job.save()
        job.issues.all().delete()
    try:
        _import_rows(job)
    except ImportFileError as exc:
        LeadImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, message=str(exc), finished_at=timezone.now())
    except Exception as exc:
        LeadImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            message=_("The import stopped unexpectedly (%(e)s). The rows imported so far are "
                      "kept; run it again to import the rest.") % {"e": exc.__class__.__name__})
        raise
    else:
        with transaction.atomic():
            LeadImport.objects.filter(pk=job.pk).update(status=ImportStatus.DONE,
                                                        finished_at=timezone.now())
            # Rules and webhooks hear of imported leads (written by COPY, without events).
            emit_bulk_created(record_type="lead", queryset=Lead.objects.filter(import_job=job),
                              actor_id=job.owner_id, data={"import_job": job.pk})
    job.refresh_from_db()
    return job


def _parse_batches(job: LeadImport, columns, template, out: queue.Queue) -> None:
    """Producer (a thread): read, validate and pre-format rows, batch by batch.

    Pure Python, no database: it runs while the main thread's COPY of the previous batch
    keeps PostgreSQL busy, so the two cores work at the same time."""
    try:
        with job.file.open("rb") as raw:
            reader = _reader(_text_stream(raw, job.encoding), job.delimiter)
            try:
                next(reader, None)
                batch: list[tuple[int, list[str]]] = []
                for row in reader:
                    if not any(cell.strip() for cell in row):
                        continue
                    batch.append((reader.line_num, row))
                    if len(batch) >= BATCH_SIZE:
                        out.put(_prepare_batch(job, batch, columns, template))
                        batch = []
                if batch:
                    out.put(_prepare_batch(job, batch, columns, template))
            except UnicodeError:
                raise ImportFileError(_("Line %(n)d is not valid %(enc)s text.")
                                      % {"n": reader.line_num + 1, "enc": job.encoding},
                                      reason=RefusalReason.IMPORT_WRONG_ENCODING)
            except csv.Error as exc:
                raise ImportFileError(_("Line %(n)d cannot be read as CSV (%(e)s).")
                                      % {"n": reader.line_num, "e": exc},
                                      reason=RefusalReason.IMPORT_NOT_CSV)
        out.put(None)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        out.put(exc)


def _import_rows(job: LeadImport) -> None:
    columns = [(i, job.mapping.get(h, "")) for i, h in enumerate(job.headers)]
    columns = [(i, f) for i, f in columns if f in FIELDS]
    skip_duplicates = job.duplicate_policy == DuplicatePolicy.SKIP
    seen = _DuplicateIndex()
    batches: queue.Queue = queue.Queue(maxsize=3)
    template = _copy_template(job) if connection.vendor == "postgresql" else None
    producer = threading.Thread(target=_parse_batches, args=(job, columns, template, batches),
                                name=f"lead-import-{job.pk}", daemon=True)
    producer.start()
    try:
        while True:
            prepared = batches.get()
            if prepared is None:
                break
            if isinstance(prepared, BaseException):
                raise prepared
            _import_batch(job, prepared, seen, skip_duplicates)
    finally:
        # On an error here, drain the queue so the producer is never left blocked.
        while producer.is_alive():
            try:
                batches.get(timeout=0.1)
            except queue.Empty:
                pass
        producer.join()


class _Row:
    """A validated row on its way in: field values plus the stored keys (no model instance;
    building 100,000 of those costs more than the insert itself)."""

    __slots__ = ("line", "raw", "data", "email_key", "phone_key", "mobile_key", "name_key",
                 "company_key", "copy_line")

    def __init__(self, line, raw, data):
        self.line, self.raw, self.data = line, raw, data
        self.name_key = name_key(data.get("first_name", ""), data.get("last_name", ""))
        self.company_key = company_key(data.get("company", ""))
        self.email_key = email_key(data.get("email", ""))
        self.phone_key = phone_key(data.get("business_phone", ""), data.get("country", ""))
        self.mobile_key = phone_key(data.get("mobile_phone", ""), data.get("country", ""))
        self.copy_line = ""


NUL_MESSAGE = _l("The row contains a NUL character (binary data); it was not imported.")


def visible_nuls(row: list[str]) -> list[str]:
    """The row with each NUL shown as ␀ (PostgreSQL cannot store NUL in text or JSON)."""
    return [cell.replace(NUL, "\N{SYMBOL FOR NULL}") for cell in row]


def _prepare_batch(job, batch, columns, template) -> tuple[int, list, list]:
    """Validate a batch: (row count, report lines for bad rows, good rows)."""
    issues: list[LeadImportIssue] = []
    candidates: list[_Row] = []
    for line, raw in batch:
        if any(NUL in cell for cell in raw):
            issues.append(LeadImportIssue(job=job, row_number=line, kind="error",
                                          message=str(NUL_MESSAGE), values=visible_nuls(raw)))
            continue
        values = {f: (raw[i] if i < len(raw) else "") for i, f in columns}
        if job.default_topic and not values.get("topic", "").strip():
            values["topic"] = job.default_topic
        data, errors = clean_row(values)
        if errors:
            issues.append(LeadImportIssue(job=job, row_number=line, kind="error",
                                          message=" ".join(errors), values=raw))
            continue
        if job.default_source and "source" not in data:
            data["source"] = job.default_source
        data["import_key"] = _row_hash(job.owner_id, data)
        row = _Row(line, raw, data)
        if template is not None:
            row.copy_line = _copy_line(template, row)
        candidates.append(row)
    return len(batch), issues, candidates


def _import_batch(job, prepared, seen: _DuplicateIndex, skip_duplicates: bool) -> None:
    """Consumer (main thread): duplicates, insert, report lines and progress for one batch."""
    batch_size, issues, candidates = prepared
    already = seen.load(candidates)
    fresh = []
    for row in candidates:
        if row.data["import_key"] in already:
            continue
        already.add(row.data["import_key"])  # the same row twice in one file goes in once
        fresh.append(row)
    already_count = len(candidates) - len(fresh)

    duplicates = 0
    to_create = []
    for row in fresh:
        rule = seen.match(row) if skip_duplicates else ""
        if rule:
            duplicates += 1
            issues.append(LeadImportIssue(job=job, row_number=row.line, kind="duplicate",
                                          message=str(RULE_MESSAGES[rule]), values=row.raw))
            continue
        if skip_duplicates:
            seen.add(row)
        to_create.append(row)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A batch lost to a crash is simply imported again by the re-run (idempotent),
            # so its commit need not wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        created = _insert(job, to_create, issues)
        LeadImportIssue.objects.bulk_create(issues, batch_size=BATCH_SIZE)
        LeadImport.objects.filter(pk=job.pk).update(
            processed=F("processed") + batch_size,
            created_count=F("created_count") + created,
            duplicate_count=F("duplicate_count") + duplicates,
            already_imported_count=F("already_imported_count") + already_count,
            error_count=F("error_count") + sum(1 for i in issues if i.kind == "error"),
        )


def _lead(job, row: _Row, now) -> Lead:
    lead = Lead(owner_id=job.owner_id, import_job_id=job.pk, created_at=now, **row.data)
    lead.refresh_keys()
    return lead


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


_COPY_FIELDS = [f for f in Lead._meta.concrete_fields if not f.primary_key]


_COPY_POSITIONS = {f.attname: i for i, f in enumerate(_COPY_FIELDS)}


def _copy_template(job) -> list[str]:
    """Every column of a new imported lead, already in COPY text form: a row only replaces
    the few columns its file filled (formatting ~55 columns per row would dominate)."""
    now = timezone.now()
    template = Lead(owner_id=job.owner_id, import_job_id=job.pk, created_at=now,
                    updated_at=now)
    return [_copy_value(getattr(template, f.attname)) for f in _COPY_FIELDS]


def _copy_line(template: list[str], row: _Row) -> str:
    values = template.copy()
    positions = _COPY_POSITIONS
    for name, value in row.data.items():
        values[positions[name]] = _copy_value(value)
    values[positions["name_key"]] = _copy_value(row.name_key)
    values[positions["company_key"]] = _copy_value(row.company_key)
    values[positions["email_key"]] = _copy_value(row.email_key)
    values[positions["email_domain"]] = _copy_value(email_domain(row.data.get("email", "")))
    values[positions["phone_key"]] = row.phone_key  # E.164 or digits: nothing to escape
    values[positions["mobile_key"]] = row.mobile_key
    return "\t".join(values)


def _copy_insert(job, rows: list[_Row]) -> None:
    """PostgreSQL COPY of the batch: the fastest way in (no per-row SQL to build)."""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _COPY_FIELDS)
    buffer = io.StringIO("\n".join(r.copy_line for r in rows) + "\n")
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {Lead._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT text)", buffer
        )
    # the driver's own COPY bypasses the execute wrapper that bumps the table's version
    from crm.common.versions import wrote

    wrote((Lead._meta.db_table,))


def _insert(job, rows: list[_Row], issues) -> int:
    """Insert a batch in one statement; if the database refuses it, row by row to find and
    report the offending rows (the others are kept)."""
    if not rows:
        return 0
    now = timezone.now()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_insert(job, rows)
            else:
                Lead.objects.bulk_create([_lead(job, r, now) for r in rows],
                                         batch_size=500)
        return len(rows)
    except (IntegrityError, DataError):
        return _insert_row_by_row(job, rows, issues, now)


def _insert_row_by_row(job, rows: list[_Row], issues, now) -> int:
    """The slow path after a refused batch: keep every good row, report each bad one."""
    created = 0
    for row in rows:
        try:
            with transaction.atomic():
                Lead.objects.bulk_create([_lead(job, row, now)], ignore_conflicts=True)
            created += 1
        except (IntegrityError, DataError) as exc:
            issues.append(LeadImportIssue(
                job=job, row_number=row.line, kind="error", values=row.raw,
                message=_("The database refused this row: %(e)s") % {"e": str(exc)[:200]}))
    return created


def preview_rows(job: LeadImport, rows: list[list[str]]) -> list[dict]:
    """How the first rows would import with the job's mapping (values or errors)."""
    columns = [(i, job.mapping.get(h, "")) for i, h in enumerate(job.headers)]
    columns = [(i, f) for i, f in columns if f in FIELDS]
    result = []
    for number, row in enumerate(rows, start=2):
        values = {f: (row[i] if i < len(row) else "") for i, f in columns}
        if job.default_topic and not values.get("topic", "").strip():
            values["topic"] = job.default_topic
        data, errors = clean_row(values)
        if any(NUL in cell for cell in row):
            data, errors = {}, [str(NUL_MESSAGE)]
        result.append({"line": number, "data": data, "errors": errors})
    return result


def read_preview(job: LeadImport) -> list[list[str]]:
    with job.file.open("rb") as raw:
        reader = _reader(_text_stream(raw, job.encoding), job.delimiter)
        next(reader, None)
        rows = []
        for row in reader:
            if any(c.strip() for c in row):
                rows.append(row)
            if len(rows) >= PREVIEW_ROWS:
                break
        return rows


def error_report(job: LeadImport):
    """Yield the report CSV lines: line number, problem, then the row as it was."""
    buffer = io.StringIO()
    writer = csvexport.writer(buffer)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow([_("Line"), _("Problem"), *job.headers])
    yield "\ufeff" + flush()
    for issue in job.issues.order_by("row_number", "id").iterator(chunk_size=2000):
        writer.writerow([issue.row_number, issue.message, *issue.values])
        yield flush()
