"""Merge fields for email templates: `{{ contact.first_name }}`, `{{ opportunity.name }}`, ...

The template language is Django's, restricted to variables and the built-in filters (no tags:
`{% load %}`, `{% include %}`, `{% debug %}` are not available). It is rendered against plain
dicts of allowed values, never model instances, so a template can reach nothing but the values
listed here: no methods, no related managers, no private attributes. A variable that is not in
the context is an error that names it (never a silent blank in an email to a customer).

The context is built generically from the record type registry: the regarding record under its
type name (`quote`), and the registered records it points to by foreign key, two levels deep
(`quote.opportunity`, `quote.account`, then the opportunity's `contact`...), each under its own
type name. An account also lends its primary contact. `user` is the sender.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters
from django.template.base import FilterExpression, Variable, VariableNode
from django.utils import formats
from django.utils.translation import gettext as _

from crm.common.registries import record_types

# Filters that only reshape a short value (no `center:"999999999"`, `ljust`, `wordwrap`...
# that could blow a value up, nothing that reads other data).
SAFE_FILTERS = ("default", "default_if_none", "upper", "lower", "title", "capfirst",
                "truncatechars", "truncatewords", "yesno", "cut", "date", "time", "first",
                "last", "length", "striptags", "slugify", "urlencode", "linebreaksbr")


def _filters_only_engine(*, autoescape: bool) -> Engine:
    """Only a few filters: `{{ contact.first_name|default:"there" }}`. No tag at all (`Engine`
    always adds the default tag libraries to `builtins`, so they are replaced afterwards), no
    template loading (no directories, no app templates)."""
    engine = Engine(dirs=[], app_dirs=False, autoescape=autoescape, libraries={}, debug=False)
    library = Library()
    for name in SAFE_FILTERS:
        library.filters[name] = defaultfilters.register.filters[name]
    engine.builtins = []
    engine.template_builtins = [library]
    return engine


_TEXT_ENGINE = _filters_only_engine(autoescape=False)
_HTML_ENGINE = _filters_only_engine(autoescape=True)

# Never exposed, whatever the model: keys, secrets and bookkeeping.
HIDDEN_FIELDS = {"id", "version", "password", "password_encrypted", "feed_token", "token",
                 "import_key", "timeline_synced", "last_login", "is_superuser", "is_staff",
                 "is_active", "open_activity_count", "last_activity_at"}
HIDDEN_SUFFIXES = ("_key", "_token", "_secret", "_hash", "_domain")
PLAIN_FIELDS = (models.CharField, models.TextField, models.DecimalField, models.IntegerField,
                models.DateField, models.BooleanField, models.FloatField)
MAX_DEPTH = 2
USER_FIELDS = ("first_name", "last_name", "email", "username", "job_title", "phone")


@dataclass
class Rendered:
    subject: str
    body: str


class MergeError(ValidationError):
    """Unknown merge fields or a template that does not parse, per form field."""


def _plain(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, decimal.Decimal):
        return formats.number_format(value, decimal_pos=2 if value.as_tuple().exponent == -2
                                     else None)
    return str(value)


def _exposed(field) -> bool:
    if not isinstance(field, PLAIN_FIELDS) or field.is_relation:
        return False
    name = field.name
    return name not in HIDDEN_FIELDS and not name.endswith(HIDDEN_SUFFIXES)


def record_values(record, record_type: str | None = None) -> dict[str, str]:
    """The plain values of one record a template may use (choices as their labels)."""
    values: dict[str, str] = {}
    for field in record._meta.concrete_fields:
        if not _exposed(field):
            continue
        if field.choices:
            values[field.name] = str(getattr(record, f"get_{field.name}_display")())
        else:
            values[field.name] = _plain(getattr(record, field.attname))
    # Derived values people expect in a letter.
    for attr in ("full_name", "display_name", "display_number", "customer_name", "balance"):
        if attr not in values and hasattr(type(record), attr):
            try:
                values[attr] = _plain(getattr(record, attr))
            except Exception:  # a derived value that needs missing data: leave it out
                continue
    if record_type and record_type in record_types:
        values["title"] = str(record_types.get(record_type).title(record))
        values.setdefault("name", values["title"])
    return values


def _registered_type(model) -> str | None:
    try:
        return record_types.for_model(model).name
    except KeyError:
        return None


def _related_records(record):
    """(type name, record) for each registered record this one points to by foreign key."""
    for field in record._meta.concrete_fields:
        if not (field.is_relation and field.many_to_one):
            continue
        type_name = _registered_type(field.related_model)
        if type_name is None or getattr(record, field.attname) is None:
            continue
        yield type_name, getattr(record, field.name)


def user_values(user) -> dict[str, str]:
    if user is None:
        return {}
    values = {name: _plain(getattr(user, name, "")) for name in USER_FIELDS}
    values["full_name"] = user.get_full_name() or user.username
    return values


def build_context(*, record=None, user=None, extra: dict | None = None) -> dict:
    """Plain dicts for `record` (and the records it points to), the sender and `company`."""
    context: dict[str, dict] = {}
    if record is not None:
        record_type = _registered_type(type(record))
        if record_type:
            context[record_type] = record_values(record, record_type)
        frontier = [record]
        seen = {(type(record), record.pk)}
        for _depth in range(MAX_DEPTH):  # bounded: a cycle of foreign keys never loops
            nxt = []
            for node in frontier:
                related = list(_related_records(node))
                primary = getattr(node, "primary_contact", None) if hasattr(
                    node, "primary_contact_id") and node.primary_contact_id else None
                if primary is not None:
                    related.append(("contact", primary))
                for type_name, obj in related:
                    if (type(obj), obj.pk) in seen or type_name in context:
                        continue
                    seen.add((type(obj), obj.pk))
                    context[type_name] = record_values(obj, type_name)
                    nxt.append(obj)
            frontier = nxt
    if user is not None:
        context["user"] = user_values(user)
    context["company"] = {"name": settings.CRM_COMPANY_NAME}
    for key, value in (extra or {}).items():
        if isinstance(value, dict):
            context.setdefault(key, {}).update({k: _plain(v) for k, v in value.items()})
        else:
            context[key] = _plain(value)
    return context


def validate_extra_context(value) -> dict:
    """The API's `context`: {name: value} or {name: {attr: value}} of plain values only."""
    if value in (None, ""):
        return {}
    scalar = (str, int, float, bool, decimal.Decimal)
    if not isinstance(value, dict):
        raise ValidationError({"context": [_("Give the context as an object.")]})
    for key, item in value.items():
        ok = (isinstance(key, str) and key.isidentifier() and not key.startswith("_")
              and (item is None or isinstance(item, scalar) or (
                  isinstance(item, dict) and all(
                      isinstance(k, str) and k.isidentifier() and not k.startswith("_")
                      and (v is None or isinstance(v, scalar)) for k, v in item.items()))))
        if not ok:
            raise ValidationError({"context": [
                _("“%(key)s”: use names made of letters, digits and underscores, with plain "
                  "values or one level of attributes.") % {"key": key}]})
    return value


def _variables(nodelist) -> list[Variable]:
    found: list[Variable] = []

    def from_expression(expression: FilterExpression):
        if isinstance(expression.var, Variable):
            found.append(expression.var)
        for _func, args in expression.filters:
            for lookup, arg in args:
                if lookup and isinstance(arg, Variable):
                    found.append(arg)

    for node in nodelist.get_nodes_by_type(VariableNode):
        from_expression(node.filter_expression)
    return found


def _unknown(variables: list[Variable], context: dict) -> list[str]:
    unknown = []
    for var in variables:
        if var.literal is not None or not var.lookups:
            continue
        value = context
        for part in var.lookups:
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                name = ".".join(var.lookups)
                if name not in unknown:
                    unknown.append(name)
                break
        else:
            if isinstance(value, dict):  # `{{ contact }}` alone: a whole record is no value
                name = ".".join(var.lookups)
                if name not in unknown:
                    unknown.append(name)
    return unknown


def render_text(source: str, context: dict, *, field: str = "body", html: bool = False) -> str:
    """Render one template string; raise MergeError({field: [...]}) naming unknown fields."""
    if not source:
        return ""
    engine = _HTML_ENGINE if html else _TEXT_ENGINE
    try:
        template = engine.from_string(source)
    except TemplateSyntaxError as exc:
        raise MergeError({field: [_("This template cannot be read: %(error)s") % {
            "error": exc}]}) from None
    unknown = _unknown(_variables(template.nodelist), context)
    if unknown:
        raise MergeError({field: [
            _("Unknown merge field(s): %(names)s. Available: %(available)s.") % {
                "names": ", ".join("{{ " + name + " }}" for name in unknown),
                "available": ", ".join(sorted(k for k in context)),
            }]})
    return template.render(Context(context, autoescape=html))


def render(*, subject: str, body: str, context: dict) -> Rendered:
    """Subject and body (plain text) merged; errors of both fields reported together."""
    errors: dict[str, list] = {}
    results = {}
    for field, source in (("subject", subject), ("body", body)):
        try:
            results[field] = render_text(source, context, field=field)
        except MergeError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise MergeError(errors)
    # A header must be one line.
    clean_subject = " ".join(results["subject"].split())
    return Rendered(subject=clean_subject, body=results["body"])


def schema_context() -> dict:
    """Every merge field any record could offer (values blank): checks a template when it is
    saved, before any record is known, and lists the fields for the template editor."""
    context: dict = {}
    for rt in record_types.all():
        try:
            context[rt.name] = dict.fromkeys(record_values(rt.model(), rt.name), "")
        except Exception:  # a title that needs a saved record: the fields still count
            context[rt.name] = {f.name: "" for f in rt.model._meta.concrete_fields
                                if _exposed(f)} | {"name": "", "title": ""}
    context["user"] = dict.fromkeys([*USER_FIELDS, "full_name"], "")
    context["company"] = {"name": ""}
    return context


def available_fields(context: dict) -> list[str]:
    """`contact.first_name`, ... for the help text next to a template's body."""
    names = []
    for key, value in context.items():
        if isinstance(value, dict):
            names += [f"{key}.{attr}" for attr in value]
        else:
            names.append(key)
    return names
