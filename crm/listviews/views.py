"""Saved views in the browser: "Save as view" from a list page, the page that renames, shares
and deletes them, and the default view of a list."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import export_jobs, selectors, services
from .forms import SaveViewForm, ViewForm
from .resources import get_resource


def _resource_or_404(name):
    resource = get_resource(name)
    if resource is None:
        raise Http404
    return resource


def _back(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _errors(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class SaveView(LoginRequiredMixin, View):
    """POST from a list page's "Save as view": its current filters, sort and columns."""

    def post(self, request, resource):
        res = _resource_or_404(resource)
        form = SaveViewForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(_back(request, res.url))
        filters, ordering, columns = selectors.split_query(
            QueryDict(form.cleaned_data["query"] or ""))
        try:
            view = services.view_create(
                actor=request.user, resource=resource, name=form.cleaned_data["name"],
                filters=filters, ordering=ordering, columns=columns,
                shared_with=form.cleaned_data["shared_with"],
                make_default=form.cleaned_data["make_default"])
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            return redirect(_back(request, res.url))
        messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return redirect(f"{res.url}?saved={view.pk}")


class ManageViews(LoginRequiredMixin, TemplateView):
    """A list's views: rename, share and delete one's own; choose the default."""

    template_name = "listviews/manage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        res = _resource_or_404(kwargs["resource"])
        user = self.request.user
        default = selectors.default_view(user=user, resource=res.name)
        views = list(selectors.view_list(user=user, resource=res.name))
        ctx.update(
            resource=res,
            list_url=res.url,
            system=[{"key": v.key, "label": v.label,
                     "default": bool(default and default.system_key == v.key)}
                    for v in res.system_views],
            mine=[(v, ViewForm(user=user, initial={"name": v.name, "shared_with": v.shared_with},
                               prefix=f"v{v.pk}"))
                  for v in views if v.owner_id == user.pk],
            shared=[v for v in views if v.owner_id != user.pk],
            default_id=default.saved_view_id if default else None,
            has_default=default is not None,
        )
        return ctx


class EditView(LoginRequiredMixin, View):
    def post(self, request, pk):
        view = selectors.view_get(user=request.user, pk=pk)
        fallback = reverse("listview-manage", args=[view.resource])
        form = ViewForm(request.POST, user=request.user, prefix=f"v{view.pk}")
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(_back(request, fallback))
        try:
            services.view_update(view=view, actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
        return redirect(_back(request, fallback))


class DeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        view = selectors.view_get(user=request.user, pk=pk)
        fallback = reverse("listview-manage", args=[view.resource])
        try:
            services.view_delete(view=view, actor=request.user)
        except PermissionDenied as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
        return redirect(_back(request, fallback))


class DefaultViewSet(LoginRequiredMixin, View):
    """POST `saved=<id>` or `system=<key>` (or neither: the list's own default)."""

    def post(self, request, resource):
        res = _resource_or_404(resource)
        saved = None
        if request.POST.get("saved"):
            saved = selectors.view_get(user=request.user, pk=request.POST["saved"],
                                       resource=resource)
        try:
            services.default_set(user=request.user, resource=resource, saved_view=saved,
                                 system_key=request.POST.get("system", ""))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Default view of this list changed."))
        return redirect(_back(request, res.url))


class ExportJobListView(LoginRequiredMixin, TemplateView):
    """"My exports": the user's large exports, their state and download links."""

    template_name = "listviews/exportjob_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        jobs = list(export_jobs.export_job_list(user=self.request.user)[:50])
        for job in jobs:
            resource = get_resource(job.resource)
            job.list_label = resource.label if resource else job.resource
        ctx.update(jobs=jobs, keep_days=export_jobs.keep_days(),
                   pending=any(j.status in ("queued", "running") for j in jobs))
        return ctx


class ExportJobDownloadView(LoginRequiredMixin, View):
    """The file of one of the user's finished exports (404 for anyone else's)."""

    def get(self, request, pk):
        job = export_jobs.export_job_get_done(user=request.user, pk=pk)
        response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
        response["Cache-Control"] = "private, no-store"
        return response
