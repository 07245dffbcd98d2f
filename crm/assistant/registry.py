"""The rule registry: each app's `assistant.py` registers the card kinds about its records.

A rule answers three questions in SQL-friendly form so a scan stays incremental and bounded:
- `queryset(ctx)`: the records that meet the condition now (the rule's whole truth);
- `build(ctx, record)`: the card for one of those records (owner, due date, figures);
- `changed(ctx, since)` / `boundary(ctx, since, now)`: which records may have started or
  stopped meeting the condition since the last scan, because they changed or because a date
  threshold was crossed.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q

from crm.common.registries import record_types

from .models import Priority


@dataclass(frozen=True)
class ScanContext:
    now: datetime
    today: date
    settings: object  # AssistantSettings


@dataclass(frozen=True)
class CardSpec:
    user_id: int
    due_date: date
    title: str
    body: str = ""
    priority: int = Priority.NORMAL
    valid_until: datetime | None = None


def _changed_by_updated_at(ctx, since):
    return Q(updated_at__gte=since)


@dataclass(frozen=True)
class Rule:
    kind: str
    record_type: str
    label: str
    queryset: Callable  # (ctx) -> QuerySet of records meeting the condition
    build: Callable  # (ctx, record) -> CardSpec | None
    changed: Callable = field(default=_changed_by_updated_at)  # (ctx, since) -> Q
    boundary: Callable | None = None  # (ctx, since, now) -> Q
    model_label: str = ""  # "leads.Lead"; default: the record type's model
    # (ctx, record_ids) -> ids that no longer meet the condition for a reason the record's own
    # row does not show yet (a new activity before the timeline rollup moved last_activity_at).
    exclude: Callable | None = None

    @property
    def model(self):
        from django.apps import apps


        if self.model_label:
            return apps.get_model(self.model_label)
        return record_types.get(self.record_type).model


rules: dict[str, Rule] = {}


def register_rule(rule: Rule) -> Rule:
    rules[rule.kind] = rule
    return rule


def rules_for(record_type: str) -> list[Rule]:
    return [r for r in rules.values() if r.record_type == record_type]


def kind_label(kind: str) -> str:
    rule = rules.get(kind)
    return str(rule.label) if rule else kind.replace("_", " ")
