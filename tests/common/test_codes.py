"""Codes, not English (issue 22, item 4): the API's error codes are one enum mirroring API.md,
and every refusal carries a machine reason clients and tests match instead of the message."""

import re
from pathlib import Path

import pytest

from crm.common.codes import ErrorCode, ExtraErrorCode, RefusalReason, ScanErrorCode
from crm.common.errors import BusinessRuleViolation, DomainError, TransitionNotAllowed

# API.md, "Errors": the public contract, copied here (the design folder is not beside every
# checkout that runs the tests). A code added to or dropped from either side fails the test.
API_MD_CODES = {
    "validation_error", "not_authenticated", "permission_denied", "not_found",
    "transition_not_allowed", "record_locked", "duplicate_detected", "record_in_use",
    "precondition_failed", "idempotency_key_reused", "request_in_progress", "rate_limited",
    "service_unavailable",
}
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["crm", "leads", "opportunities", "quotes", "invoices", "forecasting"]


def test_the_error_codes_are_exactly_api_md_list():
    assert {c.value for c in ErrorCode} == API_MD_CODES
    assert not {c.value for c in ErrorCode} & {c.value for c in ExtraErrorCode}


def _source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for name in SOURCES
                     for path in (ROOT / name).rglob("*.py") if "migrations" not in path.parts)


def test_every_refusal_reason_and_scan_code_is_raised_somewhere():
    text = _source_text()
    unused = [r.name for r in RefusalReason if not re.search(rf"RefusalReason\.{r.name}\b", text)]
    assert unused == []
    unused = [c.name for c in ScanErrorCode if not re.search(rf"ScanErrorCode\.{c.name}\b", text)]
    assert unused == []


def test_no_error_body_spells_a_code_by_hand():
    """`"code": "..."` literals bypass the enum; the modules write ErrorCode members."""
    text = _source_text()
    assert re.findall(r"""["']code["']\s*:\s*["'][a-z_]+["']""", text) == []


def test_a_refusal_serialises_its_reason_beside_the_code():
    refusal = TransitionNotAllowed("No.", allowed=["reopen"],
                                   reason=RefusalReason.ALREADY_CLOSED)
    assert refusal.as_dict() == {"code": "transition_not_allowed", "reason": "already_closed",
                                 "message": "No.", "allowed": ["reopen"]}
    assert "reason" not in BusinessRuleViolation("Bad.", fields={"x": ["Bad."]}).as_dict()


@pytest.mark.parametrize("reason", ["already_closed", "Already closed"])
def test_a_reason_must_be_a_refusal_reason(reason):
    with pytest.raises(TypeError):
        DomainError("No.", reason=reason)
