"""Domain errors raised by services. The API maps each to a JSON error, HTML views to a message."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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


class DomainError(Exception):
    code = "domain_error"
    status_code = 409
    default_message = _("The request could not be carried out.")

    def __init__(self, message: object = None, **extra: Any) -> None:
        self.message = str(message or self.default_message)
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class TransitionNotAllowed(DomainError):
    """A state change the record's current state (or a gate) does not allow."""

    code = "transition_not_allowed"
    default_message = _("This action is not allowed in the record's current state.")

    def __init__(self, message: object = None, *, allowed: Iterable[Any] | None = None,
                 missing: Iterable[Any] | None = None, **extra: Any) -> None:
        if allowed is not None:
            extra["allowed"] = list(allowed)
        if missing is not None:
            extra["missing"] = list(missing)
        super().__init__(message, **extra)


class RecordLocked(DomainError):
    code = "record_locked"
    default_message = _("This record can no longer be edited in its current state.")


class DuplicateDetected(DomainError):
    code = "duplicate_detected"
    default_message = _("Possible duplicates exist.")

    def __init__(self, message: object = None, *, candidates: Iterable[Any] = (),
                 **extra: Any) -> None:
        super().__init__(message, candidates=list(candidates), **extra)


class BusinessRuleViolation(DomainError):
    """Input that is well-formed but breaks a business rule (e.g. a payment above the balance)."""

    code = "validation_error"
    status_code = 400

    def __init__(self, message: object = None, *, fields: Mapping[str, Any] | None = None,
                 **extra: Any) -> None:
        if fields:
            extra["fields"] = fields
        super().__init__(message, **extra)


class RecordInUse(DomainError):
    """A delete refused because other records refer to this one (ProtectedError)."""

    code = ErrorCode.RECORD_IN_USE.value
    default_message = _("This record is in use by other records and cannot be deleted.")

    def __init__(self, message: object = None, *,
                 referenced_by: Mapping[str, Any] | None = None, **extra: Any) -> None:
        super().__init__(message, referenced_by=dict(referenced_by or {}), **extra)


class PreconditionFailed(DomainError):
    code = ErrorCode.PRECONDITION_FAILED.value
    status_code = 412
    default_message = _("The record changed since you read it. Reload it and try again.")


def error_text(exc: BaseException) -> str:
    """A refusal as one line for a message or an inline error: a ValidationError's messages
    (parameters filled in), a DomainError's message, else the exception's text."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "message", None) or exc)
