"""Scan a card: upload (or take) a photo, wait for the reading (htmx polling when a Celery worker
does it), check the prefilled fields next to the picture, see possible duplicates, save.

The pages are shared by the lead and the contact flows: `CardScanUploadView` and
`CardScanSaveView` are subclassed here for contacts and in `leads/cardscan_views.py` for
leads. The review page posts to the URL named `<target>-scan-card-save`.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View

from crm.common.errors import DomainError
from crm.common.registries import record_types
from crm.common.visibility import check_can_change

from . import selectors, services
from .duplicates import find_duplicates
from .forms import CardUploadForm, ScannedContactForm
from .images import CardImageError
from .models import ScanStatus, ScanTarget

TARGET_LABELS = {ScanTarget.LEAD: _("lead"), ScanTarget.CONTACT: _("contact")}


def target_urls(target: str) -> dict:
    """Where the pages of one flow live; the lead flow's URLs come from the leads app."""
    urls = {}
    for key, name in (("upload", f"{target}-scan-card"), ("list", f"{target}-list")):
        try:
            urls[key] = reverse(name)
        except NoReverseMatch:
            urls[key] = reverse("home")
    return urls


class CardScanUploadView(LoginRequiredMixin, View):
    target = ScanTarget.CONTACT
    template_name = "cardscan/upload.html"

    def render_page(self, form, status=200):
        return render(self.request, self.template_name, {
            "form": form, "target": self.target, "target_label": TARGET_LABELS[self.target],
            "urls": target_urls(self.target),
        }, status=status)

    def get(self, request):
        return self.render_page(CardUploadForm())

    def post(self, request):
        form = CardUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                data = services.read_upload(form.cleaned_data["image"])
                scan = services.card_scan_create(actor=request.user, data=data,
                                                 target=self.target)
            except CardImageError as exc:
                form.add_error("image", exc.message)
            else:
                return redirect(scan.get_absolute_url())
        messages.error(request, _("The photo could not be used. See below."))
        return self.render_page(form, status=400)


class ContactScanCardView(CardScanUploadView):
    target = ScanTarget.CONTACT


def review_context(request, scan, form=None):
    """What the review page shows; `form` is the bound form after a failed save."""
    ctx = {"scan": scan, "target_label": TARGET_LABELS.get(scan.target, scan.target),
           "urls": target_urls(scan.target), **waiting(scan)}
    if scan.status == ScanStatus.DONE:
        save_url_name = f"{scan.target}-scan-card-save"
        try:
            ctx["save_url"] = reverse(save_url_name, args=[scan.pk])
        except NoReverseMatch:
            ctx["save_url"] = ""
        if form is None:
            form_class = form_classes.get(scan.target, ScannedContactForm)
            form = form_class(scan=scan, user=request.user)
        ctx["form"] = form
        values = form.data if form.is_bound else {**form.initial}
        ctx["duplicates"] = find_duplicates(user=request.user, fields={
            name: values.get(name, "") for name in ("first_name", "last_name", "company",
                                                    "email", "business_phone",
                                                    "mobile_phone")})
    return ctx


# target -> the review form class; the leads app adds "lead" (see leads/cardscan_views.py).
form_classes: dict = {ScanTarget.CONTACT: ScannedContactForm}


class CardScanReviewView(LoginRequiredMixin, View):
    template_name = "cardscan/review.html"

    def get(self, request, pk):
        scan = selectors.card_scan_get(user=request.user, pk=pk)
        if scan.status == ScanStatus.SAVED and scan.record_type in record_types:
            rt = record_types.get(scan.record_type)
            messages.info(request, _("This card was already saved."))
            return redirect(reverse(rt.url_name, args=[scan.record_id]))
        return render(request, self.template_name, review_context(request, scan))


SLOW_AFTER_SECONDS = 20


def waiting(scan) -> dict:
    """After a while without a worker answer, offer to read the card right away."""
    from django.utils import timezone

    return {"slow": (timezone.now() - scan.created_at).total_seconds() > SLOW_AFTER_SECONDS}


class CardScanStatusView(LoginRequiredMixin, View):
    """Polled by the review page while a worker reads the card; reloads it when done."""

    def get(self, request, pk):
        scan = selectors.card_scan_get(user=request.user, pk=pk)
        if scan.is_finished:
            response = HttpResponse(status=200)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "cardscan/_pending.html", {"scan": scan, **waiting(scan)})


class CardScanRunNowView(LoginRequiredMixin, View):
    """Read a scan still waiting for the worker in this request (the worker may be down)."""

    def post(self, request, pk):
        scan = selectors.card_scan_get(user=request.user, pk=pk)
        check_can_change(request.user, scan)
        services.card_scan_run(scan_id=scan.pk)
        return redirect(scan.get_absolute_url())


class CardScanImageView(LoginRequiredMixin, View):
    def get(self, request, pk):
        scan = selectors.card_scan_get_any(pk=pk)
        if not scan.image or not selectors.card_scan_image_readable(user=request.user,
                                                                     scan=scan):
            raise Http404("No card picture.")
        response = FileResponse(scan.image.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class CardScanSaveView(LoginRequiredMixin, View):
    """POST of the review form; subclasses say which form and which service."""

    form_class = ScannedContactForm
    target = ScanTarget.CONTACT

    def save(self, form, scan):
        raise NotImplementedError

    def post(self, request, pk):
        scan = selectors.card_scan_get(user=request.user, pk=pk)
        if scan.status == ScanStatus.SAVED:
            messages.info(request, _("This card was already saved."))
            return redirect(scan.get_absolute_url())
        if scan.status != ScanStatus.DONE:
            return redirect(scan.get_absolute_url())
        form = self.form_class(request.POST, scan=scan, user=request.user)
        if form.is_valid():
            try:
                record = self.save(form, scan)
            except ValidationError as exc:
                for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}
                                             ).items():
                    form.add_error(field if field in form.fields else None, errors)
            except (DomainError, PermissionDenied) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, self.success_message(record))
                return redirect(record.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return render(request, "cardscan/review.html", review_context(request, scan, form),
                      status=400)

    def success_message(self, record):
        return _("Saved from the business card.")


class ContactScanSaveView(CardScanSaveView):
    form_class = ScannedContactForm

    def save(self, form, scan):
        data = dict(form.cleaned_data)
        return services.card_scan_save_contact(
            scan=scan, actor=self.request.user, data=data, account=data.pop("account"),
            create_account=data.pop("create_account"),
        )

    def success_message(self, record):
        return _("Contact “%(name)s” created from the business card.") % {
            "name": record.full_name}
