"""Domain errors raised by services. The API maps each to a JSON error, HTML views to a message."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .codes import ErrorCode, ExtraErrorCode, RefusalReason

__all__ = ["BusinessRuleViolation", "DomainError", "DuplicateDetected", "ErrorCode",
           "PreconditionFailed", "RecordInUse", "RecordLocked", "RefusalReason",
           "TransitionNotAllowed", "error_text"]


class DomainError(Exception):
    """A refusal: `code` (crm.common.codes.ErrorCode) says what kind, the optional `reason`
    (RefusalReason) which rule; both go into the API error body, the message is for people."""

    code: str = ExtraErrorCode.DOMAIN_ERROR
    status_code = 409
    default_message = _("The request could not be carried out.")

    def __init__(self, message: object = None, *, reason: RefusalReason | None = None,
                 **extra: Any) -> None:
        if reason is not None and not isinstance(reason, RefusalReason):
            raise TypeError(f"reason must be a RefusalReason, not {reason!r}")
        self.message = str(message or self.default_message)
        self.reason = reason
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.reason is not None:
            body["reason"] = self.reason.value
        return {**body, **self.extra}


class TransitionNotAllowed(DomainError):
    """A state change the record's current state (or a gate) does not allow."""

    code = ErrorCode.TRANSITION_NOT_ALLOWED
    default_message = _("This action is not allowed in the record's current state.")

    def __init__(self, message: object = None, *, allowed: Iterable[Any] | None = None,
                 missing: Iterable[Any] | None = None, **extra: Any) -> None:
        if allowed is not None:
            extra["allowed"] = list(allowed)
        if missing is not None:
            extra["missing"] = list(missing)
        super().__init__(message, **extra)


class RecordLocked(DomainError):
    code = ErrorCode.RECORD_LOCKED
    default_message = _("This record can no longer be edited in its current state.")


class DuplicateDetected(DomainError):
    code = ErrorCode.DUPLICATE_DETECTED
    default_message = _("Possible duplicates exist.")

    def __init__(self, message: object = None, *, candidates: Iterable[Any] = (),
                 **extra: Any) -> None:
        super().__init__(message, candidates=list(candidates), **extra)


class BusinessRuleViolation(DomainError):
    """Input that is well-formed but breaks a business rule (e.g. a payment above the balance)."""

    code = ErrorCode.VALIDATION_ERROR
    status_code = 400

    def __init__(self, message: object = None, *, fields: Mapping[str, Any] | None = None,
                 **extra: Any) -> None:
        if fields:
            extra["fields"] = fields
        super().__init__(message, **extra)


class RecordInUse(DomainError):
    """A delete refused because other records refer to this one (ProtectedError)."""

    code = ErrorCode.RECORD_IN_USE
    default_message = _("This record is in use by other records and cannot be deleted.")

    def __init__(self, message: object = None, *,
                 referenced_by: Mapping[str, Any] | None = None, **extra: Any) -> None:
        super().__init__(message, referenced_by=dict(referenced_by or {}), **extra)


class PreconditionFailed(DomainError):
    code = ErrorCode.PRECONDITION_FAILED
    status_code = 412
    default_message = _("The record changed since you read it. Reload it and try again.")


def error_text(exc: BaseException) -> str:
    """A refusal as one line for a message or an inline error: a ValidationError's messages
    (parameters filled in), a DomainError's message, else the exception's text."""
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(getattr(exc, "message", None) or exc)
