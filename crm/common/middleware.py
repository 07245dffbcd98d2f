"""Request guards that apply to every view, HTML and API alike."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .codes import ErrorCode

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_field(querydict) -> str | None:
    for key, values in querydict.lists():
        if "\x00" in key:
            return "non_field_errors"
        if any(isinstance(v, str) and "\x00" in v for v in values):
            return key
    return None


class RefuseNulCharactersMiddleware:
    """A NUL character in a query parameter or a posted form field is refused with 400.

    PostgreSQL cannot store or compare text containing NUL: left to reach the database it is a
    500 (web-to-lead, HTML forms, list filters and search). JSON bodies are checked by
    crm.common.parsers; API form bodies by DRF's CharField. Form bodies are read here only
    outside the API, so an API view can still read the raw body (Idempotency-Key hashes it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _nul_field(request.GET)
        if field is None and request.method == "POST" and not _is_api(request) and \
                request.content_type in FORM_TYPES:
            field = _nul_field(request.POST)
            if field is None:
                for name, upload in request.FILES.items():
                    if "\x00" in (upload.name or ""):
                        field = name
                        break
        if field is None:
            return self.get_response(request)
        message = _("Null characters are not allowed.")
        if _is_api(request) or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"code": ErrorCode.VALIDATION_ERROR.value,
                                 "message": f"{field}: {message}",
                                 "fields": {field: [message]}}, status=400)
        return render(request, "400.html", {"reason": message}, status=400)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")
