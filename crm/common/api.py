"""API building blocks: error shape, cursor pagination, ETag/If-Match, Idempotency-Key, and a
view set base that scopes every record to what the caller may see."""

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, PreconditionFailed
from .models import IdempotencyRecord
from .pagination import CursorPage
from .visibility import OWNED, check_can_change, scope_readable

ERROR_CODES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list | tuple):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def _as_field_map(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: [str(v) for v in value] if isinstance(value, list | tuple) else (
                _as_field_map(value) if isinstance(value, dict) else [str(value)]
            )
            for key, value in detail.items()
        }
    if isinstance(detail, list | tuple):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def error_body(code: str, message: str, **extra) -> dict:
    return {"code": code, "message": message, **extra}


def exception_handler(exc, context):
    """Every API error is `{"code", "message", "fields"?}` (API.md, Errors)."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = ERROR_CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _as_field_map(exc.detail)
        message = _first_message(exc.detail) or "Invalid input."
        if len(fields) > 1 or "non_field_errors" not in fields:
            message = "Invalid input: " + "; ".join(
                f"{name}: {_first_message(msgs)}" for name, msgs in fields.items()
            )
        response.data = error_body("validation_error", message, fields=fields)
    else:
        detail = getattr(exc, "detail", None)
        message = _first_message(detail) if detail is not None else str(exc)
        response.data = error_body(code, message)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return response


class ETagMixin:
    """ETag on reads; `If-Match` on writes and actions answers 412 when the record changed."""

    def check_if_match(self, instance) -> None:
        header = self.request.headers.get("If-Match")
        if not header or header.strip() == "*":
            return
        tags = {t.strip().removeprefix("W/") for t in header.split(",")}
        if instance.etag not in tags and str(instance.version) not in tags:
            raise PreconditionFailed()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = getattr(self, "_etag_instance", None)
        if instance is not None and 200 <= response.status_code < 300 and hasattr(instance, "etag"):
            if request.method not in ("GET", "HEAD", "DELETE") and instance.pk:
                # Read the committed version with a plain query: refresh_from_db() on a
                # django-fsm model may try to set a protected state field and fail.
                version = (type(instance)._default_manager.filter(pk=instance.pk)
                           .values_list("version", flat=True).first())
                if version is not None:
                    instance.version = version
            response["ETag"] = instance.etag
        return response


class IdempotencyMixin:
    """A POST with `Idempotency-Key` is answered once; a retry gets the first answer back."""

    IDEMPOTENCY_TTL = timedelta(hours=24)

    def dispatch(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            return self._dispatch_idempotent(request, key, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def _dispatch_idempotent(self, request, key, *args, **kwargs):
        # Authenticate first with DRF so we know whose key this is.
        drf_request = self.initialize_request(request, *args, **kwargs)
        try:
            user = drf_request.user
        except exceptions.APIException:
            user = None
        if user is None or not user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        body_hash = hashlib.sha256(request.body or b"").hexdigest()
        cutoff = timezone.now() - self.IDEMPOTENCY_TTL
        existing = IdempotencyRecord.objects.filter(
            user=user, key=key, created_at__gte=cutoff
        ).first()
        if existing is not None:
            return self._replay(request, existing, body_hash, *args, **kwargs)
        IdempotencyRecord.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method, path=request.path,
                    body_hash=body_hash,
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            return self._replay(request, existing, body_hash, *args, **kwargs)
        response = super().dispatch(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if response.status_code >= 500 or response.status_code in (409, 412, 429):
            record.delete()  # a retry may succeed later; do not pin a transient failure
        else:
            record.status_code = response.status_code
            record.response_body = response.content
            record.content_type = response.get("Content-Type", "application/json")
            record.save(update_fields=["status_code", "response_body", "content_type"])
        return response

    def _replay(self, request, existing, body_hash, *args, **kwargs):
        from django.http import HttpResponse, JsonResponse

        if existing.body_hash != body_hash or existing.path != request.path:
            return JsonResponse(
                error_body(
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with a different request.",
                ),
                status=422,
            )
        if existing.status_code is None:
            return JsonResponse(
                error_body("conflict", "A request with this Idempotency-Key is still running."),
                status=409,
            )
        response = HttpResponse(
            bytes(existing.response_body or b""), status=existing.status_code,
            content_type=existing.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response


class ScopedViewSetMixin(ETagMixin, IdempotencyMixin):
    """Scope to readable records (404 otherwise), 403 on changes the caller may not make."""

    visibility = OWNED
    owner_field = "owner"

    def get_base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return scope_readable(
            self.get_base_queryset(), self.request.user,
            owner_field=self.owner_field, visibility=self.visibility,
        )

    def get_object(self):
        obj = super().get_object()
        self._etag_instance = obj
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            self.check_change_permission(obj)
            self.check_if_match(obj)
        return obj

    def check_change_permission(self, obj) -> None:
        """403 when the caller may read `obj` but not change it."""
        check_can_change(
            self.request.user, obj, owner_field=self.owner_field, visibility=self.visibility
        )

    def perform_create(self, serializer):
        serializer.save()
        self._etag_instance = serializer.instance

    def perform_update(self, serializer):
        serializer.save()
        self._etag_instance = serializer.instance

    def perform_destroy(self, instance):
        instance.delete()


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def json_error_response(status_code: int, code: str, message: str):
    from django.http import JsonResponse

    return JsonResponse(error_body(code, message), status=status_code)


__all__ = [
    "CursorPage", "ETagMixin", "IdempotencyMixin", "ScopedModelViewSet",
    "ScopedReadOnlyViewSet", "exception_handler", "json_error_response", "status", "json",
]
