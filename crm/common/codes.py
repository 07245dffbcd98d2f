"""Every machine-readable code the CRM answers with: match these, never the English message.

- `ErrorCode`: the `code` of an API error body, exactly the list in API.md (Errors): the public
  contract.
- `ExtraErrorCode`: codes the API also writes for HTTP-level answers API.md does not list (a
  method or media type an endpoint does not take, a body too large, a server error).
- `RefusalReason`: why a service refused (`"reason"` beside `code` in the error body; the
  `reason` attribute of the domain error): one per distinct business rule, so a client and a
  test can tell "the quote has no lines" from "the opportunity is closed" without the message.
- `ScanErrorCode`: why a business-card image could not be scanned (`CardScan.error_code`).

Event types (what happened to a record) live in `crm.activities.event_types`.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    """The `code` of every API error body (API.md, Errors): the public contract."""

    VALIDATION_ERROR = "validation_error"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    RECORD_LOCKED = "record_locked"
    DUPLICATE_DETECTED = "duplicate_detected"
    RECORD_IN_USE = "record_in_use"
    PRECONDITION_FAILED = "precondition_failed"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    REQUEST_IN_PROGRESS = "request_in_progress"
    RATE_LIMITED = "rate_limited"
    SERVICE_UNAVAILABLE = "service_unavailable"


class ExtraErrorCode(StrEnum):
    """Codes written besides API.md's list: HTTP-level answers and the generic fallbacks."""

    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405
    NOT_ACCEPTABLE = "not_acceptable"  # 406
    CONFLICT = "conflict"  # 409 without a more precise code
    PAYLOAD_TOO_LARGE = "payload_too_large"  # 413
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415
    SERVER_ERROR = "server_error"  # 500 (a bug: never on purpose)
    DOMAIN_ERROR = "domain_error"  # a bare DomainError (HTML views only)
    ERROR = "error"  # any other status


class RefusalReason(StrEnum):
    """Why a service refused a request, one member per distinct rule."""

    # any record
    WRONG_STATUS = "wrong_status"  # the record's status does not allow this action
    NOT_EDITABLE = "not_editable"  # the record's status forbids edits
    # leads
    LEAD_HAS_OPPORTUNITY = "lead_has_opportunity"
    LEAD_MERGED_WITH_ITSELF = "lead_merged_with_itself"
    LEAD_NOT_MERGEABLE = "lead_not_mergeable"
    IMPORT_NOT_OWNER = "import_not_owner"
    IMPORT_COLUMNS_MISSING = "import_columns_missing"
    # a lead import file that cannot be read at all (leads.importer.ImportFileError)
    IMPORT_UNKNOWN_ENCODING = "import_unknown_encoding"
    IMPORT_WRONG_ENCODING = "import_wrong_encoding"
    IMPORT_EMPTY_FILE = "import_empty_file"
    IMPORT_BINARY_FILE = "import_binary_file"
    IMPORT_NO_HEADER = "import_no_header"
    IMPORT_DUPLICATE_COLUMNS = "import_duplicate_columns"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_NOT_CSV = "import_not_csv"
    IMPORT_NO_DATA_ROWS = "import_no_data_rows"
    IMPORT_UNREADABLE_XLSX = "import_unreadable_xlsx"
    IMPORT_NO_SHEET = "import_no_sheet"
    # opportunities
    STAGE_CHANGED_MEANWHILE = "stage_changed_meanwhile"
    STAGE_STEPS_MISSING = "stage_steps_missing"
    LAST_STAGE = "last_stage"
    FIRST_STAGE = "first_stage"
    ONE_STAGE_AT_A_TIME = "one_stage_at_a_time"
    ALREADY_CLOSED = "already_closed"
    ALREADY_OPEN = "already_open"
    OPEN_QUOTES = "open_quotes"
    OPPORTUNITY_CLOSED = "opportunity_closed"
    # lines and prices
    PRICE_NOT_LISTED = "price_not_listed"
    # quotes
    QUOTE_INCOMPLETE = "quote_incomplete"  # no customer or no lines to activate
    QUOTE_WITHOUT_OPPORTUNITY = "quote_without_opportunity"
    QUOTE_HAS_NO_LINES = "quote_has_no_lines"
    QUOTE_DRAFT_HAS_NO_PDF = "quote_draft_has_no_pdf"
    # orders and invoices
    ORDER_INVOICED = "order_invoiced"  # an order or line with invoices cannot be undone
    ORDER_LAST_LINE = "order_last_line"
    NOTHING_LEFT_TO_INVOICE = "nothing_left_to_invoice"
    QUANTITY_ABOVE_REMAINING = "quantity_above_remaining"
    INVOICE_HAS_PAYMENTS = "invoice_has_payments"
    PAYMENT_ABOVE_BALANCE = "payment_above_balance"


class ScanErrorCode(StrEnum):
    """Why a business-card image could not be scanned."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TOO_SMALL = "too_small"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NOT_AN_IMAGE = "not_an_image"
    CORRUPT_IMAGE = "corrupt_image"
    DECOMPRESSION_BOMB = "decompression_bomb"
    OCR_UNAVAILABLE = "ocr_unavailable"
