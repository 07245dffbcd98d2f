"""Dashboard pages, the CSV export of one widget, and the seller home page."""

import logging

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.common.visibility import is_admin
from crm.listviews.selectors import view_list

from . import admin_home, designer, engine, services
from . import selectors as personal
from .context import build_context
from .forms import ChartForm, PersonalDashboardForm
from .registry import dashboard_widgets, dashboards

logger = logging.getLogger(__name__)


def get_dashboard(name):
    try:
        return dashboards[name]
    except KeyError:
        raise Http404("No such dashboard.")


def dashboard_context(request, dashboard):
    default_owner = request.user if dashboard.default_scope == "mine" else None
    return build_context(request.user, request.GET, default_period=dashboard.default_period,
                         default_owner=default_owner)


def _assistant_panel(request, template_name):
    """The assistant's home panel (it loads the viewer's cards itself), when installed."""
    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return None
    try:
        return template.render({"user": request.user}, request=request)
    except Exception:  # the home page must render even if the assistant is unavailable
        logger.exception("assistant home panel failed")
        return None


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "insights/dashboard.html"
    dashboard_name: str | None = None

    def get_context_data(self, **kwargs):
        data = super().get_context_data(**kwargs)
        dashboard = get_dashboard(self.dashboard_name or self.kwargs["name"])
        ctx, form = dashboard_context(self.request, dashboard)
        fresh = self.request.GET.get("refresh") == "1"
        results = [engine.compute(w, ctx, fresh=fresh) for w in dashboard_widgets(dashboard)]
        panels = [p for p in (_assistant_panel(self.request, t) for t in dashboard.extra_panels)
                  if p]
        querystring = self.request.GET.copy()
        querystring.pop("refresh", None)
        data.update(
            dashboard=dashboard,
            wctx=ctx,
            filter_form=form,
            results=results,
            panels=panels,
            oldest=min((r.computed_at for r in results), default=None),
            cache_seconds=engine.cache_seconds(),
            querystring=querystring.urlencode(),
            is_home=dashboard.default_scope == "mine",
            other_dashboards=[d for d in dashboards.values() if d.name != dashboard.name],
        )
        return data


class HomeView(DashboardView):
    """The page after login: the seller dashboard; for an admin, the system's state and the
    settings pages (crm.insights.admin_home)."""

    dashboard_name = "seller"

    def is_admin_home(self) -> bool:
        return is_admin(self.request.user)

    def get_template_names(self):
        if self.is_admin_home():
            return ["insights/home_admin.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        if not self.is_admin_home():
            return super().get_context_data(**kwargs)
        data = TemplateView.get_context_data(self, **kwargs)
        data.update(
            status_lines=admin_home.system_status(),
            settings_links=admin_home.settings_links(),
            other_dashboards=list(dashboards.values()),
        )
        return data


class WidgetCSVView(LoginRequiredMixin, View):
    def get(self, request, name, widget):
        dashboard = get_dashboard(name)
        found = {w.name: w for w in dashboard_widgets(dashboard)}
        if widget not in found:
            raise Http404("No such widget on this dashboard.")
        ctx, _form = dashboard_context(request, dashboard)
        result = engine.compute(found[widget], ctx)
        response = HttpResponse(engine.to_csv(result), content_type="text/csv; charset=utf-8")
        filename = f"{slugify(widget.replace('.', '-'))}-{ctx.period.key}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- personal dashboards (the chart designer) -------------------------------------------------


class PersonalDashboardListView(LoginRequiredMixin, TemplateView):
    """The viewer's dashboards, those shared with them, and a form to start a new one."""

    template_name = "insights/personal_dashboard_list.html"

    def get_context_data(self, form=None, **kwargs):
        data = super().get_context_data(**kwargs)
        own, shared = personal.personal_dashboards(user=self.request.user)
        data.update(own=own, shared=shared, other_dashboards=list(dashboards.values()),
                    form=form or PersonalDashboardForm(initial={"title": _("My charts")}))
        return data

    def post(self, request):
        form = PersonalDashboardForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        dashboard = services.personal_dashboard_create(owner=request.user,
                                                       title=form.cleaned_data["title"])
        return redirect("personal-dashboard-detail", pk=dashboard.pk)


class PersonalDashboardView(LoginRequiredMixin, TemplateView):
    template_name = "insights/personal_dashboard.html"

    def get_context_data(self, **kwargs):
        data = super().get_context_data(**kwargs)
        user = self.request.user
        dashboard = personal.personal_dashboard_get(user=user, pk=self.kwargs["pk"])
        fresh = self.request.GET.get("refresh") == "1"
        results = personal.chart_results(dashboard=dashboard, user=user, fresh=fresh)
        data.update(
            dashboard=dashboard,
            results=results,
            can_edit=dashboard.owner_id == user.pk,
            can_share=dashboard.owner_id == user.pk and services.can_share(user)
            and user.team_id is not None,
            oldest=min((r.computed_at for r in results if r.computed_at), default=None),
            cache_seconds=engine.cache_seconds(),
            other_dashboards=list(dashboards.values()),
        )
        return data


def _owned_dashboard(request, pk):
    """A dashboard the user may change: unreadable is 404, readable but not theirs is 403."""
    dashboard = personal.personal_dashboard_get(user=request.user, pk=pk)
    if dashboard.owner_id != request.user.pk:
        raise PermissionDenied(_("Only the owner of this dashboard can change it."))
    return dashboard


class PersonalDashboardShareView(LoginRequiredMixin, View):
    def post(self, request, pk):
        dashboard = _owned_dashboard(request, pk)
        shared = request.POST.get("shared") == "1"
        try:
            services.personal_dashboard_share(dashboard=dashboard, actor=request.user,
                                              shared=shared)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your team can now see this dashboard.") if shared
                             else _("This dashboard is no longer shared."))
        return redirect("personal-dashboard-detail", pk=dashboard.pk)


class PersonalDashboardDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        dashboard = _owned_dashboard(request, pk)
        services.personal_dashboard_delete(dashboard=dashboard, actor=request.user)
        messages.success(request, _("Dashboard deleted."))
        return redirect("personal-dashboard-list")


class DashboardChartFormView(LoginRequiredMixin, TemplateView):
    """Add a chart (`?records=` picks the record type) or change one."""

    template_name = "insights/chart_form.html"

    def setup_chart(self):
        self.dashboard = _owned_dashboard(self.request, self.kwargs["pk"])
        self.chart = None
        if "chart" in self.kwargs:
            self.chart = personal.dashboard_chart_get(dashboard=self.dashboard,
                                                      pk=self.kwargs["chart"])
        key = self.chart.record_type if self.chart else (
            self.request.POST.get("records") or self.request.GET.get("records"))
        choices = designer.source_choices()
        if key not in designer.sources:
            key = choices[0][0] if choices else None
        if key is None:
            raise Http404("No record types to chart.")
        self.source = designer.sources[key]
        self.source_choices = choices

    def form(self, data=None, start_filters=None):
        return ChartForm(data, source=self.source, user=self.request.user, chart=self.chart,
                         start_filters=start_filters)

    def saved_views(self):
        """The user's saved views of this record type's list (crm.listviews), if installed."""
        if not apps.is_installed("crm.listviews"):
            return []

        return list(view_list(user=self.request.user, resource=self.source.key))

    def render_form(self, form, status=200, *, saved_views=None, unused=()):
        return self.render_to_response({
            "dashboard": self.dashboard, "chart": self.chart, "form": form,
            "source": self.source, "source_choices": self.source_choices,
            "saved_views": self.saved_views() if saved_views is None else saved_views,
            "unused_view_params": unused,
        }, status=status)

    def get(self, request, pk, chart=None):
        self.setup_chart()
        views = self.saved_views()
        chosen = next((v for v in views if str(v.pk) == request.GET.get("from_view")), None)
        if chosen is None:
            return self.render_form(self.form(), saved_views=views)
        # Start from the saved view: its filter parameters fill the list's filter fields
        form = self.form(start_filters={})
        known = set(form.filter_form.fields)
        filters = {k: v for k, v in (chosen.filters or {}).items() if k in known}
        unused = sorted(k for k, v in (chosen.filters or {}).items()
                        if k not in known and v not in ("", None, []))
        return self.render_form(self.form(start_filters=filters), saved_views=views,
                                unused=unused)

    def post(self, request, pk, chart=None):
        self.setup_chart()
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        services.dashboard_chart_save(dashboard=self.dashboard, actor=request.user,
                                      data=form.cleaned_data, chart=self.chart)
        messages.success(request, _("Chart saved."))
        return redirect("personal-dashboard-detail", pk=self.dashboard.pk)


class DashboardChartDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk, chart):
        dashboard = _owned_dashboard(request, pk)
        services.dashboard_chart_delete(
            chart=personal.dashboard_chart_get(dashboard=dashboard, pk=chart), actor=request.user)
        messages.success(request, _("Chart removed."))
        return redirect("personal-dashboard-detail", pk=dashboard.pk)


class DashboardChartMoveView(LoginRequiredMixin, View):
    def post(self, request, pk, chart):
        dashboard = _owned_dashboard(request, pk)
        direction = "up" if request.POST.get("direction") == "up" else "down"
        services.dashboard_chart_move(
            chart=personal.dashboard_chart_get(dashboard=dashboard, pk=chart), actor=request.user,
            direction=direction)
        return redirect(f"{reverse('personal-dashboard-detail', args=[dashboard.pk])}"
                        f"#chart-{chart}")
