"""Web-to-lead: a public endpoint a website form posts to, creating a lead with source `web`.

Abuse handling: the form's token must be valid (404 otherwise), a filled honeypot field is
answered like a success but creates nothing (bots learn nothing), and posts are rate-limited
per visitor address and per form (429 with Retry-After).
"""

import time

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm.common.cache import OUTAGE_ERRORS, outages
from crm.common.codes import ErrorCode

from . import services
from .models import LeadSource, WebForm

HONEYPOT_FIELD = "homepage"
PER_VISITOR_PER_MINUTE = 5
# Posted name -> lead field. Anything else is ignored.
FIELD_MAP = {
    "topic": "topic", "first_name": "first_name", "last_name": "last_name",
    "company": "company", "job_title": "job_title", "email": "email",
    "phone": "business_phone", "business_phone": "business_phone",
    "mobile_phone": "mobile_phone", "website": "website", "city": "city",
    "country": "country", "message": "description", "description": "description",
}


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _hit(key: str, window: int) -> int:
    """Count a hit in a fixed window; returns the count so far (cache-backed)."""
    bucket = f"w2l:{key}:{int(time.time() // window)}"
    try:
        added = cache.add(bucket, 1, timeout=window + 5)
        return 1 if added else cache.incr(bucket)
    except ValueError:  # expired between add and incr (or the cache is down and answers empty)
        cache.set(bucket, 1, timeout=window + 5)
        return 1
    except OUTAGE_ERRORS as exc:  # a limit we cannot count is not enforced: never a 500
        outages.failed("web-to-lead rate limit cache", exc)
        return 0


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request, status, message, **extra):
    if _wants_json(request):
        if status >= 400:
            code = {400: ErrorCode.VALIDATION_ERROR, 404: ErrorCode.NOT_FOUND,
                    429: ErrorCode.RATE_LIMITED}[status]
            body = {"code": code.value, "message": message, **extra}
        else:
            body = extra
        return JsonResponse(body, status=status)
    return render(request, "leads/web_to_lead_result.html",
                  {"message": message, "ok": status < 400, **extra}, status=status)


@csrf_exempt
@require_POST
def web_to_lead(request, token=""):
    token = token or request.POST.get("token", "")
    form = WebForm.objects.filter(token=token, is_active=True).select_related("owner").first() \
        if token else None
    if form is None:
        return _answer(request, 404, _("This form is not accepted (missing or unknown token)."))

    if _hit(f"ip:{form.pk}:{_client_ip(request)}", 60) > PER_VISITOR_PER_MINUTE or \
            _hit(f"form:{form.pk}", 3600) > form.rate_limit_per_hour:
        response = _answer(request, 429, _("Too many submissions; please try again later."))
        response["Retry-After"] = "60"
        return response

    thanks = _("Thank you! We will be in touch soon.")
    if request.POST.get(HONEYPOT_FIELD, "").strip():
        # A bot filled the invisible field: answer as if it worked, keep nothing.
        if form.redirect_url and not _wants_json(request):
            return HttpResponseRedirect(form.redirect_url)
        return _answer(request, 201, thanks)

    data = {}
    for posted, field in FIELD_MAP.items():
        value = request.POST.get(posted, "").strip()
        if value and field not in data:
            data[field] = value[:5000]
    data.setdefault("topic", form.default_topic)
    data["source"] = LeadSource.WEB
    try:
        lead = services.lead_create(actor=form.owner, owner=form.owner, **data)
    except ValidationError as exc:
        fields = getattr(exc, "message_dict", {"__all__": exc.messages})
        return _answer(request, 400, _("Please check the form: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items())},
            fields=fields)
    if form.redirect_url and not _wants_json(request):
        return HttpResponseRedirect(form.redirect_url)
    return _answer(request, 201, thanks, ok=bool(lead.pk))
