"""API building blocks: error shape, cursor pagination, ETag/If-Match, Idempotency-Key, and a
view set base that scopes every record to what the caller may see."""

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .codes import ErrorCode, ExtraErrorCode
from .concurrency import check_version_locked, dispatch_atomically, if_match_tags
from .deletion import record_in_use
from .errors import DomainError
from .models import IdempotencyRecord
from .pagination import CursorPage
from .visibility import OWNED, check_can_change, scope_readable

ERROR_CODES = {
    400: ErrorCode.VALIDATION_ERROR,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ExtraErrorCode.METHOD_NOT_ALLOWED,
    406: ExtraErrorCode.NOT_ACCEPTABLE,
    409: ExtraErrorCode.CONFLICT,
    412: ErrorCode.PRECONDITION_FAILED,
    413: ExtraErrorCode.PAYLOAD_TOO_LARGE,
    415: ExtraErrorCode.UNSUPPORTED_MEDIA_TYPE,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
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


def error_body(code: ErrorCode | ExtraErrorCode, message: str, **extra) -> dict:
    return {"code": code.value, "message": message, **extra}


def exception_handler(exc, context):
    """Every API error is `{"code", "message", "fields"?}` (API.md, Errors)."""
    if isinstance(exc, ProtectedError | RestrictedError):  # a delete outside delete_or_refuse
        exc = record_in_use(exc)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    # A service re-reading its row under lock finds it deleted by a concurrent request: the
    # record is gone for this caller too, so 404 rather than a 500.
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = ERROR_CODES.get(response.status_code, ExtraErrorCode.ERROR)
    if isinstance(exc, exceptions.ValidationError):
        fields = _as_field_map(exc.detail)
        message = _first_message(exc.detail) or _("Invalid input.")
        if len(fields) > 1 or "non_field_errors" not in fields:
            message = _("Invalid input: %(problems)s") % {"problems": "; ".join(
                f"{name}: {_first_message(msgs)}" for name, msgs in fields.items()
            )}
        response.data = error_body(ErrorCode.VALIDATION_ERROR, message, fields=fields)
    else:
        detail = getattr(exc, "detail", None)
        message = _first_message(detail) if detail is not None else str(exc)
        response.data = error_body(code, message)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    return response


class ETagMixin:
    """ETag on reads; `If-Match` on writes and actions answers 412 when the record changed."""

    def perform_create(self, serializer):
        serializer.save()
        self._etag_instance = serializer.instance

    def perform_update(self, serializer):
        serializer.save()
        self._etag_instance = serializer.instance

    def dispatch(self, request, *args, **kwargs):
        if isinstance(self, IdempotencyMixin):
            # It opens the transaction itself, inside its own bookkeeping of the key.
            return super().dispatch(request, *args, **kwargs)
        return dispatch_atomically(super().dispatch, request, *args, **kwargs)

    def check_if_match(self, instance) -> None:
        """412 unless the record is still the version `If-Match` names, compared with its row
        locked in the request's transaction (crm.common.concurrency)."""
        check_version_locked(instance, if_match_tags(self.request))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = getattr(self, "_etag_instance", None)
        if instance is not None and 200 <= response.status_code < 300 and hasattr(instance, "etag"):
            if request.method not in ("GET", "HEAD", "DELETE") and instance.pk:
                try:  # the committed version (a service may have saved a copy of the row)
                    instance.refresh_from_db(fields=["version"])
                except ObjectDoesNotExist:  # deleted meanwhile: the tag of what was written
                    pass
            response["ETag"] = instance.etag
        return response


class IdempotencyMixin:
    """A POST with `Idempotency-Key` is answered once; a retry gets the first answer back.

    The key is recorded before the request runs (so a concurrent retry sees it in flight:
    409 `request_in_progress`) and filled with the response when it ends. A first attempt
    that fails (an exception, a 5xx, or a transient 409/412/429) removes its record, so the
    retry runs afresh; a record left unfinished by a killed process expires after
    IDEMPOTENCY_IN_FLIGHT_TIMEOUT."""

    IDEMPOTENCY_TTL = timedelta(hours=24)
    IDEMPOTENCY_IN_FLIGHT_TIMEOUT = timedelta(minutes=10)

    def dispatch(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key:
            return self._dispatch_idempotent(request, key, *args, **kwargs)
        return dispatch_atomically(super().dispatch, request, *args, **kwargs)

    def _dispatch_idempotent(self, request, key, *args, **kwargs):
        # Authenticate first with DRF so we know whose key this is.
        drf_request = self.initialize_request(request, *args, **kwargs)
        try:
            user = drf_request.user
        except exceptions.APIException:
            user = None
        if user is None or not user.is_authenticated:
            return dispatch_atomically(super().dispatch, request, *args, **kwargs)
        problem = idempotency_key_problem(key)
        if problem:
            return _json_response(400, error_body(
                ErrorCode.VALIDATION_ERROR, problem, fields={"Idempotency-Key": [problem]}))
        body_hash = hashlib.sha256(request.body or b"").hexdigest()
        path = request.path[:PATH_MAX_LENGTH]
        now = timezone.now()
        # Expired answers, and attempts abandoned by a killed process, no longer hold the key.
        IdempotencyRecord.objects.filter(user=user, key=key).filter(
            Q(created_at__lt=now - self.IDEMPOTENCY_TTL)
            | Q(status_code__isnull=True, created_at__lt=now - self.IDEMPOTENCY_IN_FLIGHT_TIMEOUT)
        ).delete()
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is not None:
            return self._replay(request, existing, body_hash, path)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, method=request.method, path=path, body_hash=body_hash,
                )
        except IntegrityError:  # a concurrent first attempt recorded it a moment ago
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            return self._replay(request, existing, body_hash, path)
        stored = False
        try:
            response = dispatch_atomically(super().dispatch, request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            # A retry may succeed later: do not pin a server error or a transient conflict.
            if response.status_code < 500 and response.status_code not in (409, 412, 429):
                record.status_code = response.status_code
                record.response_body = response.content
                record.content_type = response.get("Content-Type", "application/json")
                record.save(update_fields=["status_code", "response_body", "content_type"])
                stored = True
            return response
        finally:
            if not stored:  # also when the view raised: the key must not stay "in progress"
                IdempotencyRecord.objects.filter(pk=record.pk).delete()

    def _replay(self, request, existing, body_hash, path):
        if existing is None or existing.status_code is None:
            if existing is not None and (existing.body_hash != body_hash or existing.path != path):
                return _key_reused()
            return _json_response(409, error_body(
                ErrorCode.REQUEST_IN_PROGRESS,
                _("A request with this Idempotency-Key is still running; retry later.")))
        if existing.body_hash != body_hash or existing.path != path:
            return _key_reused()
        response = HttpResponse(
            bytes(existing.response_body or b""), status=existing.status_code,
            content_type=existing.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response


PATH_MAX_LENGTH = IdempotencyRecord._meta.get_field("path").max_length
KEY_MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


def idempotency_key_problem(key: str) -> str | None:
    """Why `key` cannot be an Idempotency-Key (too long, control characters), or None."""
    if len(key) > KEY_MAX_LENGTH:
        return str(_("An Idempotency-Key has at most %(n)d characters.") % {"n": KEY_MAX_LENGTH})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        return str(_("An Idempotency-Key cannot contain control characters."))
    return None


def _json_response(status_code: int, body: dict) -> JsonResponse:
    return JsonResponse(body, status=status_code)


def _key_reused() -> JsonResponse:
    return _json_response(422, error_body(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        _("This Idempotency-Key was already used with a different request.")))


class ScopedViewSetMixin(ETagMixin, IdempotencyMixin):
    """Scope to readable records (404 otherwise), 403 on changes the caller may not make."""

    visibility = OWNED
    owner_field = "owner"
    # Records have integer ids: `.../lines/abc/` is a 404 from the router, not a ValueError.
    lookup_value_regex = r"\d+"

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

    def perform_destroy(self, instance):
        # Deletes go through the app's service (events, automation, in-use checks): a viewset
        # that offers DELETE names it; one that does not answers 405 instead of deleting raw.
        raise exceptions.MethodNotAllowed(self.request.method)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


__all__ = [
    "CursorPage", "ETagMixin", "IdempotencyMixin", "ScopedModelViewSet",
    "ScopedReadOnlyViewSet", "exception_handler", "status", "json",
]
