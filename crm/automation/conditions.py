"""Rule conditions: checked when a rule is saved (clear messages), evaluated on a record.

Shape: `{"match": "all"|"any", "conditions": [item, ...]}` where an item is either a condition
`{"field": "country", "operator": "equals", "value": "Germany"}` or a nested group of the same
shape. An empty value (`{}` or `[]`) always holds; a bare list means "all of these".
"""

import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.common.registries import record_types

OPERATORS = {
    "equals": gettext_lazy("equals"),
    "not_equals": gettext_lazy("does not equal"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "gt": gettext_lazy("is greater than"),
    "gte": gettext_lazy("is at least"),
    "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"),
    "is_empty": gettext_lazy("is empty"),
    "is_not_empty": gettext_lazy("is not empty"),
    "changed": gettext_lazy("changed"),
    "changed_from": gettext_lazy("changed from"),
    "changed_to": gettext_lazy("changed to"),
}
NO_VALUE = {"is_empty", "is_not_empty", "changed"}
LIST_VALUE = {"in", "not_in"}
ORDERED = {"gt", "gte", "lt", "lte"}
ORDERED_FIELDS = (models.IntegerField, models.DecimalField, models.FloatField, models.DateField,
                  models.DateTimeField, models.BigIntegerField, models.PositiveIntegerField)
HIDDEN_FIELDS = {"id", "version", "feed_token", "password", "secret"}
MAX_CONDITIONS = 50
MAX_DEPTH = 3


def model_for(record_type: str):
    if record_type not in record_types:
        raise ValidationError(_("Unknown record type “%(type)s”.") % {"type": record_type})
    return record_types.get(record_type).model


def rule_fields(record_type: str) -> list:
    """The fields a rule may name for `record_type`: concrete, single-valued, not internal."""
    model = model_for(record_type)
    return [f for f in model._meta.concrete_fields
            if f.name not in HIDDEN_FIELDS and not f.name.endswith("_search")]


def field_for(record_type: str, name) -> models.Field:
    if not isinstance(name, str):
        raise ValidationError(_("A condition needs a field name."))
    for f in rule_fields(record_type):
        if f.name == name:
            return f
    raise ValidationError(_("Unknown field “%(field)s” for %(type)s records.")
                          % {"field": name[:60], "type": record_type})


def _kind(f) -> str:
    if f.is_relation:
        return _("a record id")
    if isinstance(f, models.BooleanField):
        return _("true or false")
    if isinstance(f, models.DateTimeField):
        return _("a date and time")
    if isinstance(f, models.DateField):
        return _("a date (YYYY-MM-DD)")
    if isinstance(f, models.DecimalField | models.FloatField):
        return _("a number")
    if isinstance(f, models.IntegerField):
        return _("a whole number")
    return _("text")


def coerce(f, value):
    """The Python value of `value` for field `f`; ValidationError naming the field."""
    target = f.target_field if f.is_relation else f
    if isinstance(value, dict | list):
        raise ValidationError(_("“%(field)s” needs %(kind)s.") % {"field": f.name, "kind": _kind(f)})
    try:
        if isinstance(target, models.BooleanField) and isinstance(value, str):
            value = {"true": True, "false": False, "1": True, "0": False}.get(value.lower(), value)
        python = target.to_python(value)
    except (ValidationError, TypeError, ValueError, ArithmeticError):
        python = None
        ok = False
    else:
        ok = python is not None or value in (None, "")
    if not ok or (isinstance(target, models.BigAutoField | models.AutoField | models.IntegerField)
                  and python is not None and abs(python) > 2**62):
        raise ValidationError(_("“%(value)s” is not valid for “%(field)s”: it needs %(kind)s.")
                              % {"value": str(value)[:60], "field": f.name, "kind": _kind(f)})
    choices = [str(k) for k, _label in f.flatchoices] if f.choices else None
    if choices and python not in (None, "") and str(python) not in choices:
        raise ValidationError(_("“%(value)s” is not a choice of “%(field)s” (%(choices)s).")
                              % {"value": str(value)[:60], "field": f.name,
                                 "choices": ", ".join(choices[:20])})
    return python


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _clean_condition(record_type: str, item: dict) -> dict:
    extra = set(item) - {"field", "operator", "value"}
    if extra:
        raise ValidationError(_("Unknown keys in a condition: %(keys)s.")
                              % {"keys": ", ".join(sorted(map(str, extra)))[:100]})
    f = field_for(record_type, item.get("field"))
    operator = item.get("operator")
    if operator not in OPERATORS:
        raise ValidationError(_("Unknown operator “%(op)s”; use one of %(ops)s.")
                              % {"op": str(operator)[:30], "ops": ", ".join(OPERATORS)})
    clean = {"field": f.name, "operator": operator}
    if operator in NO_VALUE:
        return clean
    if "value" not in item:
        raise ValidationError(_("The condition on “%(field)s” needs a value.") % {"field": f.name})
    value = item["value"]
    if operator in ORDERED and (f.is_relation or not isinstance(f, ORDERED_FIELDS)):
        raise ValidationError(_("“%(field)s” cannot be compared with greater or less than.")
                              % {"field": f.name})
    if operator in LIST_VALUE:
        if not isinstance(value, list) or not value or len(value) > 100:
            raise ValidationError(_("“%(op)s” needs a list of 1 to 100 values.")
                                  % {"op": operator})
        clean["value"] = _json([coerce(f, v) for v in value])
    else:
        clean["value"] = _json(coerce(f, value))
    return clean


def clean_conditions(record_type: str, value) -> dict:
    """The normalised conditions, or ValidationError with a message a person can act on."""
    count = [0]

    def group(node, depth) -> dict:
        if isinstance(node, list):
            node = {"match": "all", "conditions": node}
        if not isinstance(node, dict):
            raise ValidationError(_("Conditions must be a group: {\"match\", \"conditions\"}."))
        if not node:
            return {"match": "all", "conditions": []}
        if depth > MAX_DEPTH:
            raise ValidationError(_("Groups nest at most %(n)s deep.") % {"n": MAX_DEPTH})
        match = node.get("match", "all")
        if match not in ("all", "any"):
            raise ValidationError(_("A group matches “all” or “any” of its conditions."))
        items = node.get("conditions", [])
        if not isinstance(items, list):
            raise ValidationError(_("A group's “conditions” must be a list."))
        extra = set(node) - {"match", "conditions"}
        if extra:
            raise ValidationError(_("Unknown keys in a group: %(keys)s.")
                                  % {"keys": ", ".join(sorted(map(str, extra)))[:100]})
        out = []
        for item in items:
            count[0] += 1
            if count[0] > MAX_CONDITIONS:
                raise ValidationError(_("At most %(n)s conditions.") % {"n": MAX_CONDITIONS})
            if isinstance(item, dict) and ("conditions" in item or "match" in item):
                out.append(group(item, depth + 1))
            elif isinstance(item, dict):
                out.append(_clean_condition(record_type, item))
            else:
                raise ValidationError(_("Each condition is an object with field, operator and "
                                        "value."))
        return {"match": match, "conditions": out}

    model_for(record_type)
    return group(value if value not in (None, "") else {}, 1)


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class Check:
    """One condition's outcome, for runs and "Test this rule"."""

    text: str
    ok: bool
    children: list = field(default_factory=list)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _compare(f, operator, current, expected) -> bool:
    if operator == "equals":
        return current == coerce(f, expected)
    if operator == "not_equals":
        return current != coerce(f, expected)
    if operator == "in":
        return current in [coerce(f, v) for v in expected]
    if operator == "not_in":
        return current not in [coerce(f, v) for v in expected]
    if operator == "is_empty":
        return _empty(current)
    if operator == "is_not_empty":
        return not _empty(current)
    if current is None:
        return False
    target = coerce(f, expected)
    return {"gt": current > target, "gte": current >= target, "lt": current < target,
            "lte": current <= target}[operator]


def _current(record, f):
    return getattr(record, f.attname)


def describe(item) -> str:
    op = OPERATORS.get(item["operator"], item["operator"])
    if item["operator"] in NO_VALUE:
        return f"{item['field']} {op}"
    value = item.get("value")
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{item['field']} {op} {shown}"


def evaluate(record_type: str, conditions, record, changes: dict | None = None) -> Check:
    """Whether `conditions` hold for `record`; `changes` ({field: [old, new]}) feeds the
    changed/changed_from/changed_to operators."""
    changes = changes or {}

    def one(item) -> Check:
        if "conditions" in item:
            children = [one(child) for child in item["conditions"]]
            results = [c.ok for c in children]
            ok = all(results) if item.get("match", "all") == "all" else any(results)
            label = _("all of") if item.get("match", "all") == "all" else _("any of")
            return Check(str(label), ok if children else True, children)
        f = field_for(record_type, item["field"])
        operator = item["operator"]
        if operator.startswith("changed"):
            if f.name not in changes:
                return Check(describe(item), False)
            old, new = changes[f.name]
            if operator == "changed":
                return Check(describe(item), True)
            compare_with = old if operator == "changed_from" else new
            try:
                ok = coerce(f, compare_with) == coerce(f, item.get("value"))
            except ValidationError:
                ok = False
            return Check(describe(item), ok)
        try:
            ok = _compare(f, operator, _current(record, f), item.get("value"))
        except (ValidationError, TypeError):
            ok = False
        return Check(describe(item), ok)

    normalised = conditions if isinstance(conditions, dict) else {"match": "all",
                                                                   "conditions": conditions or []}
    normalised.setdefault("conditions", [])
    return one(normalised)
