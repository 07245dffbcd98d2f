from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common.errors import DomainError
from crm.common.forms import add_domain_error
from crm.common.views import ListPageView
from crm.common.visibility import can_change, check_can_change
from crm.customers.models import Industry
from crm.scoring import display as scoring_display

from . import importer, selectors, services
from .duplicates import RULE_LABELS, find_lead_duplicates
from .filters import LeadPageFilter
from .forms import DisqualifyForm, LeadForm, LeadImportMappingForm, LeadImportUploadForm
from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    DisqualifyReason,
    ImportStatus,
    LeadSource,
    LeadStatus,
    Rating,
)

SAVED_VIEWS = [
    ("my_open", _("My open leads")),
    ("team_open", _("My team's open leads")),
    ("open", _("All open leads")),
    ("closed", _("Closed leads")),
    ("all", _("All leads")),
]
BULK_LIMIT = 200


def _lead_name(row) -> str:
    return " ".join(p for p in (row["first_name"], row["last_name"]) if p)


def _lead_select_label(row) -> str:
    name = _lead_name(row)
    display = f"{name} ({row['company']})" if name and row["company"] else name or row["company"]
    return _("Select %(display_name)s") % {"display_name": display}


def _lead_name_cell(row, page):
    html = (f'<a href="{page.url("lead-detail", row["id"])}">'
            f'{L.esc(_lead_name(row) or row["company"])}</a>')
    if row["email"]:
        html += f'<br><small class="muted">{L.esc(row["email"])}</small>'
    return html


def _lead_status_cell(row, page):
    html = (f'<span class="pill pill-{L.esc(row["status"])}">'
            f'{page.labels(LeadStatus).get(row["status"], "")}</span>')
    if row["status_reason"]:
        html += (' <small class="muted">'
                 f'{page.labels(DisqualifyReason).get(row["status_reason"], "")}</small>')
    return html


LEAD_COLUMNS = [
    # (its label names the lead: the fields stay read whichever columns a view chooses)
    replace(L.checkbox(_lead_select_label, header_aria=_l("Select all leads on this page")),
            fields=("id", "first_name", "last_name", "company")),
    L.Column("name", _l("Name"), ("first_name", "last_name", "company", "email"),
             _lead_name_cell, sort="name",
             value=lambda row, page: _lead_name(row) or row["company"]),
    L.Column("company", _l("Company"), ("company",), L.text("company"), sort="company"),
    L.Column("topic", _l("Topic"), ("topic",), L.truncated("topic", 60)),
    L.Column("status", _l("Status"), ("status", "status_reason"), _lead_status_cell,
             sort="status"),
    L.Column("source", _l("Source"), ("source",), L.choice("source", LeadSource)),
    L.Column("rating", _l("Rating"), ("rating",), L.choice("rating", Rating)),
    scoring_display.score_column(),
    L.Column("value", _l("Est. value"), ("estimated_value",),
             L.money("estimated_value", blank_if_none=True), sort="value", css="num"),
    L.person_column("owner", _l("Owner")),
    L.Column("created", _l("Created"), ("created_at",), L.when("created_at"), sort="created",
             css="nowrap"),
]


# Columns a user may add with the column chooser (saved views): related names are joined
LEAD_EXTRA_COLUMNS = (
    L.Column("email", _l("Email"), ("email",), L.text("email")),
    L.Column("phone", _l("Business phone"), ("business_phone",), L.text("business_phone")),
    L.Column("mobile", _l("Mobile phone"), ("mobile_phone",), L.text("mobile_phone")),
    L.Column("job_title", _l("Job title"), ("job_title",), L.text("job_title")),
    L.Column("industry", _l("Industry"), ("industry",), L.choice("industry", Industry)),
    L.Column("city", _l("City"), ("city",), L.text("city")),
    L.Column("country", _l("Country"), ("country",), L.text("country")),
    L.Column("close", _l("Est. close"), ("estimated_close_date",),
             L.day("estimated_close_date"), sort="close", css="nowrap"),
    L.Column("account", _l("Existing account"), ("existing_account_id", "existing_account__name"),
             L.link("existing_account__name", "account-detail", pk="existing_account_id")),
    L.Column("team", _l("Owner's team"), ("owner__team__name",), L.text("owner__team__name")),
    L.Column("updated", _l("Updated"), ("updated_at",), L.when("updated_at"), css="nowrap"),
)


class LeadListView(ListPageView):
    template_name = "leads/lead_list.html"
    filterset_class = LeadPageFilter
    sort_fields = {"created": "created_at", "name": "last_name", "company": "company_key",
                   "status": "status", "value": "estimated_value",
                   "close": "estimated_close_date", "score": scoring_display.SCORE_SORT}
    default_sort = "-created"
    search_fields = ("name_key", "company_key", "email_key")
    page_by_ids = True  # "my open leads": (owner, status, created, id) index answers alone
    columns = LEAD_COLUMNS
    resource = "leads"
    extra_columns = LEAD_EXTRA_COLUMNS

    def get_columns(self):
        return scoring_display.without_score(super().get_columns(), self.request)

    def saved_view(self) -> str:
        view = self.request.GET.get("view", "my_open")
        return view if view in dict(SAVED_VIEWS) else "my_open"

    def get_base_queryset(self):
        qs = selectors.lead_list(user=self.request.user)
        view = self.saved_view()
        if view == "my_open":
            qs = qs.filter(owner=self.request.user, status__in=OPEN_STATUSES)
        elif view == "team_open":
            from crm.common.visibility import team_member_ids

            qs = qs.filter(owner_id__in=team_member_ids(self.request.user),
                           status__in=OPEN_STATUSES)
        elif view == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif view == "closed":
            qs = qs.filter(status__in=CLOSED_STATUSES)
        return qs

    def apply_search(self, queryset, term):
        return queryset.filter(selectors.search_filter(term))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = self.saved_view()
        ctx.update(
            saved_views=[{"key": k, "label": label, "active": k == current,
                          "url": f"?view={k}"} for k, label in SAVED_VIEWS],
            current_view=current,
            disqualify_form=DisqualifyForm(),
            is_filtered=ctx["is_filtered"] and any(
                v for k, v in self.request.GET.items()
                if k not in ("page", "sort", "view", "cols", "saved")),
        )
        return ctx


class LeadDetailView(LoginRequiredMixin, TemplateView):
    template_name = "leads/lead_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lead = selectors.lead_get(user=self.request.user, pk=kwargs["pk"])
        changeable = can_change(self.request.user, lead)
        ctx.update(
            object=lead, lead=lead, can_change=changeable,
            disqualify_form=DisqualifyForm(),
            allowed=services.allowed_actions(lead),
            qualify_url=_reverse_or_empty("lead-qualify", lead.pk),
            score_badge=scoring_display.score_badge(record=lead, request=self.request),
        )
        return ctx


def _reverse_or_empty(name, *args) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


class _LeadFormView(LoginRequiredMixin, View):
    template_name = "leads/lead_form.html"

    def get_instance(self):
        return None

    def render_form(self, form, instance=None):
        return render(self.request, self.template_name, {"form": form, "object": instance})

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = LeadForm(instance=instance, user=request.user, initial=self.get_initial())
        return self.render_form(form, instance)

    def get_initial(self):
        return {}

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = LeadForm(request.POST, instance=instance, user=request.user)
        if form.is_valid():
            try:
                lead = self.save(form, instance)
            except (ValidationError, PermissionDenied, DomainError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, self.success_message(lead))
                return redirect(lead.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, instance)


class LeadCreateView(_LeadFormView):
    def get_initial(self):
        initial = {}
        for name in ("existing_account", "company", "source"):
            if request_value := self.request.GET.get(name):
                initial[name] = request_value
        return initial

    def save(self, form, instance):
        data = {k: v for k, v in form.cleaned_data.items() if k != "owner"}
        return services.lead_create(actor=self.request.user,
                                    owner=form.cleaned_data.get("owner"), **data)

    def success_message(self, lead):
        return _("Lead “%(name)s” created.") % {"name": lead.display_name}


class LeadUpdateView(_LeadFormView):
    def get_instance(self):
        lead = selectors.lead_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, lead)
        if not lead.is_open:
            messages.error(self.request, _("Only open leads can be edited; reactivate it first."))
            raise _Redirect(lead.get_absolute_url())
        return lead

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except _Redirect as exc:
            return redirect(exc.url)

    def save(self, form, instance):
        return services.lead_update(lead=instance, actor=self.request.user, **form.cleaned_data)

    def success_message(self, lead):
        return _("Lead “%(name)s” saved.") % {"name": lead.display_name}


class _Redirect(Exception):
    def __init__(self, url):
        self.url = url


class LeadDuplicateCheckView(LoginRequiredMixin, View):
    """The duplicate warning under the lead form, refreshed (htmx) while the user types."""

    def get(self, request):
        params = request.GET
        exclude = params.get("lead")
        matches = find_lead_duplicates(
            user=request.user, email=params.get("email", ""),
            phone=params.get("business_phone", ""), other_phone=params.get("mobile_phone", ""),
            first_name=params.get("first_name", ""), last_name=params.get("last_name", ""),
            company=params.get("company", ""), country=params.get("country", ""),
            exclude_id=int(exclude) if exclude and exclude.isdigit() else None, limit=5,
        )
        return render(request, "leads/_duplicate_warning.html", {
            "duplicates": [{**m, "label": RULE_LABELS[m["rule"]]} for m in matches],
        })


class _LeadActionView(LoginRequiredMixin, View):
    """POST-only state changes from the detail page: one service call, a message, back."""

    def post(self, request, pk):
        lead = selectors.lead_get(user=request.user, pk=pk)
        check_can_change(request.user, lead)
        try:
            message = self.act(lead)
        except (DomainError, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
        else:
            if message:
                messages.success(request, message)
        return redirect(lead.get_absolute_url())


class LeadMarkContactedView(_LeadActionView):
    def act(self, lead):
        services.lead_mark_contacted(lead=lead, actor=self.request.user)
        return _("Lead marked as contacted.")


class LeadReactivateView(_LeadActionView):
    def act(self, lead):
        services.lead_reactivate(lead=lead, actor=self.request.user)
        return _("Lead reactivated; it is open again.")


class LeadDisqualifyView(_LeadActionView):
    def act(self, lead):
        form = DisqualifyForm(self.request.POST)
        if not form.is_valid():
            messages.error(self.request, _("Choose a reason to disqualify the lead."))
            return None
        lead = services.lead_disqualify(lead=lead, actor=self.request.user,
                                        reason=form.cleaned_data["reason"],
                                        note=form.cleaned_data["note"])
        return _("Lead disqualified (%(reason)s).") % {
            "reason": lead.get_status_reason_display()}


class LeadMergeView(_LeadActionView):
    """Merge the chosen duplicate into this lead (this one is kept)."""

    def act(self, lead):
        dup_id = self.request.POST.get("duplicate", "")
        if not dup_id.isdigit():
            raise Http404
        duplicate = selectors.lead_get(user=self.request.user, pk=int(dup_id))
        services.lead_merge(lead=lead, duplicate=duplicate, actor=self.request.user)
        return _("“%(dup)s” was merged into this lead.") % {"dup": duplicate.display_name}


def selected_leads(request):
    """The readable leads ticked on the list page (bounded)."""
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()][:BULK_LIMIT]
    leads = selectors.lead_list(user=request.user).filter(pk__in=ids).order_by("pk")
    return list(leads)


class LeadBulkDisqualifyView(LoginRequiredMixin, View):
    def post(self, request):
        form = DisqualifyForm(request.POST)
        leads = selected_leads(request)
        if not leads:
            messages.error(request, _("Select at least one lead."))
            return redirect(request.POST.get("next") or reverse("lead-list"))
        if not form.is_valid():
            messages.error(request, _("Choose a reason to disqualify the leads."))
            return redirect(request.POST.get("next") or reverse("lead-list"))
        results = []
        for lead in leads:
            try:
                check_can_change(request.user, lead)
                services.lead_disqualify(lead=lead, actor=request.user,
                                         reason=form.cleaned_data["reason"],
                                         note=form.cleaned_data["note"])
                results.append({"lead": lead, "ok": True, "message": _("Disqualified")})
            except (DomainError, PermissionDenied, ValidationError) as exc:
                results.append({"lead": lead, "ok": False,
                                "message": getattr(exc, "message", None) or str(exc)})
        return render(request, "leads/lead_bulk_result.html", {
            "action": _("Disqualify"), "results": results,
            "ok_count": sum(r["ok"] for r in results),
        })


# --- CSV import -------------------------------------------------------------------------------

class LeadImportView(LoginRequiredMixin, View):
    template_name = "leads/lead_import.html"

    def get(self, request):
        return self._render(LeadImportUploadForm())

    def _render(self, form, status=200):
        return render(self.request, self.template_name, {
            "form": form, "imports": selectors.lead_import_list(user=self.request.user),
            "fields": importer.FIELDS,
        }, status=status)

    def post(self, request):
        form = LeadImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.lead_import_create(
                    actor=request.user, uploaded_file=form.cleaned_data["file"],
                    encoding=form.cleaned_data["encoding"])
            except importer.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("lead-import-mapping", pk=job.pk)
        messages.error(request, _("The file cannot be imported; see below."))
        return self._render(form, status=400)


class LeadImportMappingView(LoginRequiredMixin, View):
    """Map columns to lead fields, preview the first rows, start the import."""

    template_name = "leads/lead_import_mapping.html"

    def get_job(self):
        job = selectors.lead_import_get(user=self.request.user, pk=self.kwargs["pk"])
        if job.status != ImportStatus.MAPPING:
            raise _Redirect(job.get_absolute_url())
        return job

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except _Redirect as exc:
            return redirect(exc.url)

    def get(self, request, pk):
        job = self.get_job()
        return self._render(job, LeadImportMappingForm(job=job))

    def _render(self, job, form, status=200):
        return render(self.request, self.template_name, {
            "job": job, "form": form,
            "encoding_label": dict(importer.ENCODINGS).get(job.encoding, job.encoding),
            "preview": importer.preview_rows(job, importer.read_preview(job)),
            "preview_fields": [(k, v[0]) for k, v in importer.FIELDS.items()
                               if k in set(job.mapping.values())],
            "problems": importer.mapping_problems(job.mapping, job.default_topic),
        }, status=status)

    def post(self, request, pk):
        job = self.get_job()
        form = LeadImportMappingForm(request.POST, job=job)
        if not form.is_valid():
            return self._render(job, form, status=400)
        if form.cleaned_data["encoding"] not in ("", job.encoding):
            return self._change_encoding(job, form)
        job.mapping = form.mapping()
        job.duplicate_policy = form.cleaned_data["duplicate_policy"]
        job.default_source = form.cleaned_data["default_source"]
        job.default_topic = form.cleaned_data["default_topic"]
        if "start" not in request.POST:  # "Preview": show how the first rows would import
            return self._render(job, form)
        try:
            job = services.lead_import_start(
                job=job, actor=request.user, mapping=job.mapping,
                duplicate_policy=job.duplicate_policy, default_source=job.default_source,
                default_topic=job.default_topic)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self._render(job, form, status=400)
        messages.success(request, _("Import started."))
        return redirect(job.get_absolute_url())


    def _change_encoding(self, job, form):
        """Read the file again with the chosen encoding and show the mapping step anew."""
        encoding = form.cleaned_data["encoding"]
        try:
            job = services.lead_import_set_encoding(job=job, actor=self.request.user,
                                                    encoding=encoding)
        except importer.ImportFileError as exc:
            form.add_error("encoding", str(exc))
            return self._render(job, form, status=400)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self._render(job, form, status=400)
        messages.info(self.request, _("The file is now read as %(enc)s; check the preview.")
                      % {"enc": dict(importer.ENCODINGS)[encoding]})
        return self._render(job, LeadImportMappingForm(job=job))


class LeadImportDetailView(LoginRequiredMixin, TemplateView):
    template_name = "leads/lead_import_detail.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["leads/_import_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        job = selectors.lead_import_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(job=job, issues=job.issues.order_by("row_number", "id")[:20]
                   if job.is_finished else [])
        return ctx


class LeadImportReportView(LoginRequiredMixin, View):
    def get(self, request, pk):
        job = selectors.lead_import_get(user=request.user, pk=pk)
        response = StreamingHttpResponse(importer.error_report(job),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="lead-import-{job.pk}-report.csv"')
        return response


class LeadImportRerunView(LoginRequiredMixin, View):
    def post(self, request, pk):
        job = selectors.lead_import_get(user=request.user, pk=pk)
        try:
            again = services.lead_import_rerun(job=job, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(job.get_absolute_url())
        messages.success(request, _("Import started again; rows imported before are skipped."))
        return redirect(again.get_absolute_url())
