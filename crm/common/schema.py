"""OpenAPI generation that tells the truth about errors (API.md, Errors).

`CrmAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation each error
status it can answer, all with the shared `Error` component, derived once from what the view
does instead of per-view annotations:

- 401 wherever credentials are read (none where required, or a wrong token anywhere); 403 on
  writes (and on reads guarded by more than `IsAuthenticated`); 404 on routes with a path
  parameter and on cursor-paginated lists (an unknown cursor); 400 where there is a body or query parameters; 409 on writes (domain rules:
  transition_not_allowed, record_locked, duplicate_detected, record_in_use, request_in_progress);
  412 where `If-Match` applies; 415 where a body is parsed; 422 on POSTs honouring
  `Idempotency-Key`; 406, 429 and 503 everywhere (content negotiation, throttling, a dependency
  down).

A view can name more statuses with `schema_error_statuses = {"get": {409}, "*": {400}}` (keys:
a method, an action name, or "*"). Field declarations are made exact here too: read-only fields
keep their model field's null/blank, `response_choices` widens an enum on the way out, and file
URLs lose the upload-name pattern.
"""

import copy

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.settings import api_settings

ERROR_DESCRIPTIONS = {
    400: "`validation_error`: the input is invalid (`fields` maps each field to its messages).",
    401: "`not_authenticated`: no or invalid credentials.",
    403: "`permission_denied`: the caller may see the record but not do this.",
    404: "`not_found`: no such record, or one the caller may not see.",
    406: "`not_acceptable`: no representation matches the `Accept` header.",
    409: "A conflict with the record's state: `transition_not_allowed` (with `allowed`, "
         "`missing`), `record_locked`, `duplicate_detected` (with `candidates`), "
         "`record_in_use` (with `referenced_by`) or `request_in_progress`.",
    412: "`precondition_failed`: the record changed since the `If-Match` version.",
    415: "`unsupported_media_type`: the body's content type is not accepted.",
    422: "`idempotency_key_reused`: this `Idempotency-Key` came with another request.",
    429: "`rate_limited`: too many requests; retry after `Retry-After` seconds.",
    503: "`service_unavailable`: a dependency is down; retry after `Retry-After` seconds.",
}

RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before retrying.",
    }
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx/5xx answer of the API.",
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable error code."},
        "reason": {"type": "string",
                   "description": "Which business rule refused the request (409 and 400 "
                                  "refusals of a service); stable, match it instead of "
                                  "the message."},
        "message": {"type": "string", "description": "Human-readable explanation."},
        "fields": {
            "type": "object",
            "description": "Validation messages per field (nested objects for nested input).",
            "additionalProperties": {
                "anyOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "object"},
                ]
            },
        },
        "allowed": {
            "type": "array", "items": {"type": "string"},
            "description": "Actions allowed in the record's current state.",
        },
        "missing": {
            "type": "array", "items": {"type": "string"},
            "description": "Stage-gate step fields still to fill.",
        },
        "candidates": {
            "type": "array", "items": {"type": "object"},
            "description": "Likely duplicates.",
        },
        "referenced_by": {
            "type": "object", "additionalProperties": {"type": "integer"},
            "description": "Counts of the records that refer to this one, by kind.",
        },
    },
    "required": ["code", "message"],
}

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _model_field(field):
    """The model field a serializer field reads, when it reads one directly."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*" or "." in source:
        return None
    try:
        return model._meta.get_field(source)
    except Exception:  # a property or method, not a field
        return None


class AnsweredChoiceField(serializers.ChoiceField):
    """A choice field that accepts `choices` but may answer any of `response_choices`."""

    def __init__(self, *, response_choices, **kwargs):
        self.response_choices = response_choices
        super().__init__(**kwargs)


class CrmAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF drops allow_null/allow_blank from read-only fields, but their values still come
        # from the model: a null foreign key answers null, a blank choice answers "".
        if getattr(field, "read_only", False):
            model_field = _model_field(field)
            if model_field is not None:
                if getattr(model_field, "null", False):
                    field.allow_null = True
                text = isinstance(field, serializers.CharField | serializers.ChoiceField)
                if text and getattr(model_field, "blank", False):
                    field.allow_blank = True
        # A field may accept fewer choices than it answers (e.g. an activity is created open or
        # completed, and read back canceled too): `response_choices` names what it answers.
        response_choices = getattr(field, "response_choices", None)
        if direction == "response" and response_choices is not None:
            field = copy.copy(field)
            field.choices = response_choices
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if isinstance(field, serializers.FileField):
            # FileExtensionValidator's pattern fits an uploaded name, not the URL answered.
            schema.pop("pattern", None)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        component = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA,
        )
        registry.register_on_missing(component)
        for parameter in operation.get("parameters", []):
            # `lookup_value_regex = r"\d+"` leaves an id typed as a digit string: it is an integer.
            if parameter.get("in") == "path" and parameter.get("schema") == {
                    "type": "string", "pattern": "^\\d+$"}:
                parameter["schema"] = {"type": "integer"}
        responses = operation.setdefault("responses", {})
        for status in sorted(self.error_statuses(operation)):
            if str(status) in responses:
                continue
            response = {
                "description": ERROR_DESCRIPTIONS.get(status, "Error."),
                "content": {"application/json": {"schema": component.ref}},
            }
            if status in (429, 503):
                response["headers"] = RETRY_AFTER
            responses[str(status)] = response
        return operation

    # --- what this operation can answer -------------------------------------------------------

    def _permission_classes(self) -> list:
        return list(getattr(self.view, "permission_classes", api_settings.DEFAULT_PERMISSION_CLASSES))

    def requires_authentication(self) -> bool:
        classes = self._permission_classes()
        return bool(classes) and not all(c is AllowAny for c in classes)

    def error_statuses(self, operation: dict) -> set[int]:
        method = self.method
        write = method not in SAFE_METHODS
        has_body = "requestBody" in operation
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        has_path_params = "{" in self.path
        statuses = {406, 429, 503}
        if self.requires_authentication() or getattr(self.view, "authentication_classes", None):
            statuses.add(401)  # no credentials; or, even where none are needed, wrong ones
        if self.requires_authentication():
            extra_permissions = [
                c for c in self._permission_classes() if c not in (IsAuthenticated, AllowAny)
            ]
            if write or extra_permissions:
                statuses.add(403)
        if has_body or has_query or write:
            statuses.add(400)
        if has_body:
            statuses.add(415)
        if has_path_params:
            statuses.add(404)
        if method == "GET" and self._is_list_view() and self._get_paginator() is not None:
            statuses.add(404)  # an unknown or tampered cursor
        if write and self.requires_authentication():
            statuses.add(409)
        if write and has_path_params and hasattr(self.view, "check_if_match"):
            statuses.add(412)
        if method == "POST" and hasattr(self.view, "_dispatch_idempotent"):
            statuses.update({409, 422})
        declared = getattr(self.view, "schema_error_statuses", None) or {}
        statuses.update(declared.get("*", ()))
        statuses.update(declared.get(method.lower(), ()))
        action = getattr(self.view, "action", None)
        if action:
            statuses.update(declared.get(action, ()))
        return statuses
