from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common.errors import DomainError
from crm.common.forms import add_domain_error
from crm.common.htmx import trigger_record_changed
from crm.common.views import ListPageView, safe_next_url
from crm.common.visibility import can_change, check_can_change

from . import aggregation, selectors, services
from .calendar import build_calendar
from .filters import ActivityPageFilter
from .forms import QUICK_ADD_LABELS, ActivityForm, QuickAddForm
from .models import REGARDING_FIELDS, ActivityKind, ActivityState, Priority
from .panels import timeline_context, timeline_panel_context

MY_VIEWS = [
    ("open", _("Open")),
    ("today", _("Due today")),
    ("overdue", _("Overdue")),
    ("week", _("This week")),
    ("completed", _("Completed")),
    ("all", _("All")),
]


# What the column chooser offers on the activities page. Without chosen columns the page
# keeps its own rows (with the complete and cancel buttons).
_REGARDING_COLUMNS = (
    ("account", "account-detail", ("account__name",)),
    ("contact", "contact-detail", ("contact__first_name", "contact__last_name")),
    ("lead", "lead-detail", ("lead__first_name", "lead__last_name", "lead__company")),
    ("opportunity", "opportunity-detail", ("opportunity__topic",)),
    ("quote", "quote-detail", ("quote__number",)),
    ("order", "order-detail", ("order__number",)),
    ("invoice", "invoice-detail", ("invoice__number",)),
)


def _regarding(row):
    for name, url_name, fields in _REGARDING_COLUMNS:
        if row[f"{name}_id"] is not None:
            return name, url_name, " ".join(str(row[f]) for f in fields if row[f])
    return None, None, ""


def _regarding_cell(row, page):
    name, url_name, label = _regarding(row)
    if name is None:
        return ""
    return f'<a href="{page.url(url_name, row[f"{name}_id"])}">{L.esc(label)}</a>'


ACTIVITY_COLUMNS = [
    L.Column("subject", _l("Subject"), ("subject",), L.link("subject", "activity-detail"),
             sort="subject"),
    L.Column("kind", _l("Kind"), ("kind",), L.choice("kind", ActivityKind), sort="kind"),
    L.Column("regarding", _l("Regarding"),
             tuple(f for name, _u, fields in _REGARDING_COLUMNS for f in (f"{name}_id", *fields)),
             L.with_plain(_regarding_cell, lambda row, page: _regarding(row)[2])),
    L.Column("when", _l("Due / starts"), ("when_at",), L.when("when_at"), sort="when",
             css="nowrap"),
    L.Column("priority", _l("Priority"), ("priority",), L.choice("priority", Priority),
             sort="priority"),
    L.Column("state", _l("State"), ("state",), L.choice("state", ActivityState)),
]
ACTIVITY_EXTRA_COLUMNS = (
    L.Column("description", _l("Description"), ("description",), L.truncated("description", 80)),
    L.Column("location", _l("Location"), ("location",), L.text("location")),
    L.Column("duration", _l("Duration (minutes)"), ("duration_minutes",),
             L.text("duration_minutes"), css="num"),
    L.person_column("owner", _l("Owner")),
    L.Column("completed", _l("Completed"), ("completed_at",), L.when("completed_at"),
             css="nowrap"),
    L.Column("created", _l("Created"), ("created_at",), L.when("created_at"), sort="created",
             css="nowrap"),
)


class ActivityListView(ListPageView):
    """My activities: open, due today, overdue, this week (and completed / all)."""

    template_name = "activities/activity_list.html"
    join_order_fixed = True  # owner + seven regarding tables: planning dwarfs the query
    filterset_class = ActivityPageFilter
    search_fields = ("subject", "description")
    sort_fields = {"when": "when_at", "subject": "subject", "kind": "kind",
                   "priority": "priority", "created": "created_at"}
    default_sort = "when"
    columns = ACTIVITY_COLUMNS
    resource = "activities"
    extra_columns = ACTIVITY_EXTRA_COLUMNS

    def get_columns(self):
        # the page's own rows (with their buttons) unless the user chose columns
        return super().get_columns() if self.chosen_column_keys() else None

    def current_view(self) -> str:
        view = self.request.GET.get("view", "open")
        return view if view in dict(MY_VIEWS) else "open"

    def get_base_queryset(self):
        return selectors.my_activities(user=self.request.user, view=self.current_view()).annotate(
            when_at=Coalesce("starts_at", "due_at"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(views=MY_VIEWS, current_view=self.current_view(), now=timezone.now(),
                   feed_url=self.request.build_absolute_uri(
                       reverse("activity-calendar", args=[self.request.user.feed_token])))
        return ctx


class ActivityDetailView(LoginRequiredMixin, TemplateView):
    template_name = "activities/activity_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        activity = selectors.activity_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(object=activity, activity=activity, now=timezone.now(),
                   can_change=can_change(self.request.user, activity))
        return ctx


class ActivityUpdateView(LoginRequiredMixin, View):
    template_name = "activities/activity_form.html"

    def get_activity(self):
        activity = selectors.activity_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, activity)
        return activity

    def render_form(self, form, activity):
        return render(self.request, self.template_name, {"form": form, "object": activity})

    def get(self, request, pk):
        activity = self.get_activity()
        return self.render_form(ActivityForm(instance=activity, user=request.user), activity)

    def post(self, request, pk):
        activity = self.get_activity()
        form = ActivityForm(request.POST, request.FILES, instance=activity, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            owner = data.pop("owner", None)
            try:
                activity = services.activity_update(activity=activity, actor=request.user,
                                                    owner=owner, **data)
            except (ValidationError, PermissionDenied, DomainError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Activity “%(s)s” saved.") % {"s": activity.subject})
                return redirect(activity.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, activity)


class ActivityDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        activity = selectors.activity_get(user=request.user, pk=pk)
        regarding = activity.regarding
        try:
            services.activity_delete(activity=activity, actor=request.user)
        except DomainError as exc:  # e.g. record_in_use: say why and keep it
            messages.error(request, exc.message)
            return redirect(activity.get_absolute_url())
        messages.success(request, _("Activity “%(s)s” deleted.") % {"s": activity.subject})
        fallback = regarding.get_absolute_url() if regarding is not None else reverse(
            "activity-list")
        return redirect(safe_next_url(request, fallback))


class _ActivityTransitionView(LoginRequiredMixin, View):
    action = ""
    done_message = ""

    def post(self, request, pk):
        activity = selectors.activity_get(user=request.user, pk=pk)
        try:
            activity = getattr(services, f"activity_{self.action}")(activity=activity,
                                                                     actor=request.user)
        except DomainError as exc:
            if request.htmx:
                return HttpResponse(exc.message, status=409)
            messages.error(request, exc.message)
        else:
            # Read-your-writes: the person who clicked sees the timeline updated at once;
            # the queued task then finds nothing left to do.
            aggregation.process_items(activity_ids=[activity.pk])
            if request.htmx:
                activity = selectors.activity_get(user=request.user, pk=pk)
                template = ("activities/_timeline_activity.html"
                            if request.POST.get("from") == "timeline"
                            else "activities/_activity_row.html")
                return trigger_record_changed(render(request, template, {
                    "activity": activity, "now": timezone.now(), "in_list": True}))
            messages.success(request, self.done_message % {"s": activity.subject})
        return redirect(safe_next_url(request, activity.get_absolute_url()))


class ActivityCompleteView(_ActivityTransitionView):
    action = "complete"
    done_message = _("“%(s)s” completed.")


class ActivityCancelView(_ActivityTransitionView):
    action = "cancel"
    done_message = _("“%(s)s” canceled.")


class QuickAddView(LoginRequiredMixin, View):
    """POST a quick-add form from a record's timeline panel; htmx swaps the panel in place.
    GET: the empty form, which the panel loads when its "+ Task", "+ Note"... opens."""

    def get(self, request, record_type, record_id, kind):
        if kind not in QUICK_ADD_LABELS or record_type not in REGARDING_FIELDS:
            raise Http404("Unknown activity kind.")
        rt, record = selectors.record_get(user=request.user, record_type=record_type,
                                          record_id=record_id)
        if not request.htmx:
            return redirect(record.get_absolute_url())
        item = {"kind": kind, "label": QUICK_ADD_LABELS[kind],
                "form": QuickAddForm(kind=kind, user=request.user)}
        response = render(request, "activities/_quick_add_form.html",
                          {"item": item, "record_type": rt.name, "record": record})
        response["Cache-Control"] = "private, no-cache"
        return response

    def post(self, request, record_type, record_id, kind):
        if kind not in QUICK_ADD_LABELS or record_type not in REGARDING_FIELDS:
            raise Http404("Unknown activity kind.")
        rt, record = selectors.record_get(user=request.user, record_type=record_type,
                                          record_id=record_id)
        form = QuickAddForm(request.POST, request.FILES, kind=kind, user=request.user)
        activity = None
        if form.is_valid():
            data = dict(form.cleaned_data)
            done = data.pop("done", False)
            try:
                activity = services.activity_create(
                    actor=request.user, kind=kind, regarding=record,
                    completed=done if kind != ActivityKind.NOTE else None, **data)
            except (ValidationError, PermissionDenied, DomainError) as exc:
                add_domain_error(form, exc)
        if activity is not None:
            aggregation.process_items(activity_ids=[activity.pk])  # read-your-writes
            record = type(record)._default_manager.get(pk=record.pk)  # fresh rollup counts
            if not request.htmx:
                messages.success(request, _("%(kind)s added.") % {
                    "kind": activity.get_kind_display()})
                return redirect(record.get_absolute_url())
            ctx = timeline_panel_context(request, record)
            ctx.update(object=record, added=activity, open_kind=None)
            return trigger_record_changed(
                render(request, "activities/_timeline_panel.html", ctx))
        if not request.htmx:
            messages.error(request, _("The activity was not saved: %(errors)s") % {
                "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())})
            return redirect(record.get_absolute_url())
        ctx = timeline_panel_context(request, record)
        for item in ctx.get("quick_add", []):
            if item["kind"] == kind:
                item["form"] = form
        ctx.update(object=record, open_kind=kind)
        # 200, not 422: htmx swaps only successful responses, and the form must show its errors.
        return render(request, "activities/_timeline_panel.html", ctx)


class TimelineView(LoginRequiredMixin, View):
    """A timeline page (htmx: just the entries, for "load more" and the kind filter)."""

    def get(self, request, record_type, record_id):
        rt, record = selectors.record_get(user=request.user, record_type=record_type,
                                          record_id=record_id)
        kind = request.GET.get("kind", "")
        cursor = request.GET.get("cursor", "")
        ctx = timeline_context(request, rt.name, record, kind=kind, cursor=cursor)
        if request.htmx:
            return render(request, "activities/_timeline_entries.html", ctx)
        ctx.update(object=record, record_url=record.get_absolute_url(), rt=rt, standalone=True)
        return render(request, "activities/timeline.html", ctx)


class AttachmentView(LoginRequiredMixin, View):
    """A note's attachment, for whoever may read the note (never a public media URL)."""

    def get(self, request, pk):
        activity = selectors.activity_get(user=request.user, pk=pk)
        if not activity.attachment:
            raise Http404("No attachment.")
        name = activity.attachment.name.rsplit("/", 1)[-1]
        return FileResponse(activity.attachment.open("rb"), as_attachment=True, filename=name)


class CalendarFeedView(View):
    """The user's appointments and due tasks as an iCalendar feed (secret token in the URL)."""

    def get(self, request, token):
        user = get_user_model().objects.filter(feed_token=token, is_active=True).first()
        if user is None:
            raise Http404("Unknown calendar.")
        since = timezone.now() - timedelta(days=90)
        body = build_calendar(selectors.calendar_activities(user=user, since=since),
                              name=_("CRM: %(user)s") % {"user": user},
                              host=request.get_host())
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="activities.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response
