"""Pipeline apps plug their email handling in through this registry (their own `mail.py`).

- `register_subject_pattern(SubjectPattern(...))`: a document number in a subject (`Q-000123`)
  and how to find the record it names;
- `register_address_lookup(AddressLookup(...))`: records found by a participant's address
  (the open lead by e-mail);
- `register_queue_handler(fn)`: what a queue mailbox does with mail from an unknown sender
  (the leads app creates a lead).

The core never imports a pipeline app; `autodiscover()` imports each installed app's `mail.py`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class SubjectPattern:
    record_type: str
    regex: re.Pattern
    lookup: Callable  # (number: str) -> record id | None
    order: int = 100


@dataclass(frozen=True)
class AddressLookup:
    record_type: str
    lookup: Callable  # (addresses: list[str]) -> {address: record id}
    order: int = 100


subject_patterns: list[SubjectPattern] = []
address_lookups: list[AddressLookup] = []
queue_handlers: list[Callable] = []


def register_subject_pattern(pattern: SubjectPattern) -> SubjectPattern:
    subject_patterns[:] = [p for p in subject_patterns if p.record_type != pattern.record_type]
    subject_patterns.append(pattern)
    subject_patterns.sort(key=lambda p: p.order)
    return pattern


def register_address_lookup(lookup: AddressLookup) -> AddressLookup:
    address_lookups[:] = [a for a in address_lookups if a.record_type != lookup.record_type]
    address_lookups.append(lookup)
    address_lookups.sort(key=lambda a: a.order)
    return lookup


def register_queue_handler(handler: Callable) -> Callable:
    """`handler(*, message, parsed, mailbox) -> (record_type, record_id) | None`."""
    if handler not in queue_handlers:
        queue_handlers.append(handler)
    return handler


def autodiscover() -> None:
    autodiscover_modules("mail")
