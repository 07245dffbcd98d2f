"""Domain errors raised by services. The API maps each to a JSON error, HTML views to a message."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    status_code = 409
    default_message = _("The request could not be carried out.")

    def __init__(self, message=None, **extra):
        self.message = str(message or self.default_message)
        self.extra = extra
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.extra}


class TransitionNotAllowed(DomainError):
    """A state change the record's current state (or a gate) does not allow."""

    code = "transition_not_allowed"
    default_message = _("This action is not allowed in the record's current state.")

    def __init__(self, message=None, *, allowed=None, missing=None, **extra):
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

    def __init__(self, message=None, *, candidates=(), **extra):
        super().__init__(message, candidates=list(candidates), **extra)


class BusinessRuleViolation(DomainError):
    """Input that is well-formed but breaks a business rule (e.g. a payment above the balance)."""

    code = "validation_error"
    status_code = 400

    def __init__(self, message=None, *, fields=None, **extra):
        if fields:
            extra["fields"] = fields
        super().__init__(message, **extra)


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    status_code = 412
    default_message = _("The record changed since you read it. Reload it and try again.")
