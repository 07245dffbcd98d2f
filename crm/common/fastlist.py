"""A lean list action for the API: rows read with `values()` and turned into the same JSON the
model serializer gives, without a model instance or `Serializer.to_representation` per row.

`FastListMixin` goes before `ScopedModelViewSet` in a viewset's bases. On `list` it looks at the
serializer's readable fields once per (viewset, serializer) class and builds a plan: one column
per field and the field's own `to_representation` where the value needs converting (decimals,
date-times in the active time zone, choices), the value as is where DRF would return it
unchanged (text from a text column, integers, booleans, related ids). Filters, search,
ordering and the cursor pagination run on the same queryset as before.

It falls back to the normal path for anything it cannot reproduce exactly: a serializer that
overrides `to_representation`, `get_fields` or `__init__`, a method field, a dotted or `*`
source, a field whose output needs more than the column's value (files, `ModelField`, custom
`to_representation`), a related field other than a plain primary key, a property not declared
in `fast_list_properties` (`{"full_name": ("first_name", "last_name")}`: computed with the
model's property on the row's columns). Tests compare both paths byte for byte
(tests/api/test_fast_list.py).

A viewset reproduces what a method field or an overridden `to_representation` gives with
`fast_list_computed = {"overdue": (("status", "due_date"), factory)}`: the columns the value
needs and `factory(view, rows)`, called once per page with the page's rows, returning
`function(row) -> value` (so per-request values, such as today's date, and batch look-ups, such
as the names of related records, are computed once per page). A serializer that overrides
`to_representation` or `get_fields` stays on the normal path unless the viewset sets
`fast_list_reproduces_overrides = True`, saying its computed fields give what the override
sets (the plan reads the fields `get_fields` gives a serializer without an instance, as the
list's serializer sees them).
"""

from types import SimpleNamespace

from django.core.exceptions import FieldDoesNotExist
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

# Model column types whose values DRF's CharField / IntegerField / BooleanField give back as is.
_TEXT_COLUMNS = {"CharField", "TextField", "EmailField", "URLField", "SlugField"}
_INT_COLUMNS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField",
                "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                "PositiveBigIntegerField", "PositiveSmallIntegerField"}

_IDENTITY = None


def _same_method(field, base, name="to_representation") -> bool:
    return getattr(type(field), name) is getattr(base, name)


class FastListPlan:
    """Columns to read and, per output key, how to present the row's value."""

    def __init__(self, columns, steps, properties, computed=None):
        self.columns = columns
        # [(key, column or None, convert or None, property getter or None)]; a computed
        # field's step is (key, None, None, None) and its value comes from `functions`.
        self.steps = steps
        self.properties = properties  # property name -> columns it reads
        self.computed = computed or {}  # field name -> factory(view, rows)

    def render(self, rows, functions=None) -> list[dict]:
        """`functions`: computed field name -> function(row) (see `FastListMixin.list`)."""
        steps = [(key, column, convert, getter,
                  functions[key] if key in self.computed else None)
                 for key, column, convert, getter in self.steps]
        out = []
        for row in rows:
            item = {}
            namespace = SimpleNamespace(**row) if self.properties else None
            for key, column, convert, getter, function in steps:
                if function is not None:
                    item[key] = function(row)
                    continue
                value = getter(namespace) if getter is not None else row[column]
                if value is None or convert is None:
                    item[key] = value
                else:
                    item[key] = convert(value)
            out.append(item)
        return out


def build_plan(serializer, model, properties: dict, computed: dict | None = None,
               reproduces_overrides: bool = False) -> FastListPlan | None:
    """The plan for `serializer`'s readable fields, or None when one of them needs the normal
    path. `computed`: field name -> (columns, factory), see the module docstring."""
    computed = computed or {}
    if not isinstance(serializer, serializers.ModelSerializer):
        return None
    if not ((reproduces_overrides or (
                _same_method(serializer, serializers.Serializer)
                and _same_method(serializer, serializers.ModelSerializer, "get_fields")))
            and _same_method(serializer, serializers.BaseSerializer, "__init__")):
        return None
    columns: list[str] = []
    steps = []
    used_properties: dict = {}
    used_computed: dict = {}

    def column(name):
        if name not in columns:
            columns.append(name)
        return name

    for field in serializer._readable_fields:
        if field.field_name in computed:
            needs, factory = computed[field.field_name]
            for name in needs:
                column(name)
            used_computed[field.field_name] = factory
            steps.append((field.field_name, None, None, None))
            continue
        if field.source == "*" or len(field.source_attrs) != 1:
            return None
        attr = field.source_attrs[0]
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            model_field = None
        if model_field is None:
            needs = properties.get(attr)
            prop = getattr(model, attr, None)
            if needs is None or not isinstance(prop, property):
                return None
            if not _simple_field(field):
                return None
            for name in needs:
                column(name)
            used_properties[attr] = needs
            steps.append((field.field_name, None, _converter(field, None), prop.fget))
            continue
        if not getattr(model_field, "concrete", False) or model_field.many_to_many:
            return None
        if model_field.is_relation:
            if attr == model_field.attname and attr != model_field.name:
                # `owner_id` read as a number
                if not _simple_field(field):
                    return None
                convert = (_IDENTITY if type(field).to_representation
                           is drf_fields.IntegerField.to_representation else field.to_representation)
                steps.append((field.field_name, column(attr), convert, None))
                continue
            if not (type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None):
                return None
            # DRF answers the related id (PKOnlyObject.pk): the row's `<name>_id` as is.
            steps.append((field.field_name, column(model_field.attname), _IDENTITY, None))
            continue
        if not _simple_field(field):
            return None
        steps.append((field.field_name, column(attr), _converter(field, model_field), None))
    return FastListPlan(columns, steps, used_properties, used_computed)


def _simple_field(field) -> bool:
    """Whether the field's output depends only on the column's value: DRF's own
    `to_representation` (or an inherited one), not a file URL, a model method or a method
    field."""
    if isinstance(field, relations.RelatedField | serializers.SerializerMethodField
                  | drf_fields.FileField | drf_fields.ModelField | drf_fields.HiddenField):
        return False
    if type(field) is drf_fields.ReadOnlyField:
        return True
    method = type(field).to_representation
    return getattr(method, "__module__", "") == drf_fields.__name__ and method is not \
        drf_fields.Field.to_representation


def _converter(field, model_field):
    """None when DRF gives the column's value back unchanged, else the field's own method."""
    if type(field) is drf_fields.ReadOnlyField:
        return _IDENTITY
    internal = model_field.get_internal_type() if model_field is not None else None
    method = type(field).to_representation
    if method is drf_fields.CharField.to_representation and internal in _TEXT_COLUMNS:
        return _IDENTITY  # str(value)
    if method is drf_fields.IntegerField.to_representation and internal in _INT_COLUMNS:
        return _IDENTITY  # int(value)
    if (method is drf_fields.BigIntegerField.to_representation and internal in _INT_COLUMNS
            and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)):
        return _IDENTITY  # int(value)
    if method is drf_fields.BooleanField.to_representation and internal == "BooleanField":
        return _IDENTITY
    return field.to_representation


class FastListMixin:
    """`list` from `values()` rows with the serializer's output (see the module docstring).
    Put it before ScopedModelViewSet; set `fast_list = False` to use the normal path."""

    fast_list = True
    fast_list_properties: dict[str, tuple[str, ...]] = {}
    fast_list_computed: dict[str, tuple[tuple[str, ...], object]] = {}
    fast_list_reproduces_overrides = False

    def get_fast_list_plan(self) -> FastListPlan | None:
        if not self.fast_list:
            return None
        serializer_class = self.get_serializer_class()
        cache = type(self).__dict__.get("_fast_list_plans")
        if cache is None:
            cache = {}
            type(self)._fast_list_plans = cache
        if serializer_class not in cache:
            serializer = self.get_serializer()
            cache[serializer_class] = build_plan(
                serializer, serializer.Meta.model, self.fast_list_properties,
                self.fast_list_computed, self.fast_list_reproduces_overrides)
        return cache[serializer_class]

    def list(self, request, *args, **kwargs):
        from .pagecache import serve_data

        return serve_data(self, request, lambda: self._fast_list(request, *args, **kwargs))

    def _fast_list(self, request, *args, **kwargs):
        plan = self.get_fast_list_plan()
        if plan is None:
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        columns = list(plan.columns)
        paginator = self.paginator
        if paginator is not None and hasattr(paginator, "get_ordering"):
            # The cursor is built from the row's first ordering field.
            for name in paginator.get_ordering(request, queryset, self):
                name = name.lstrip("-")
                if name not in columns:
                    columns.append(name)
        rows = queryset.prefetch_related(None).values(*columns)
        page = self.paginate_queryset(rows)
        paginated = page is not None
        page = list(page if paginated else rows)
        functions = {name: factory(self, page) for name, factory in plan.computed.items()}
        data = plan.render(page, functions)
        return self.get_paginated_response(data) if paginated else Response(data)
