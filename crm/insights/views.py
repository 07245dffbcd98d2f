"""Dashboard pages, the CSV export of one widget, and the seller home page."""

import logging

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from crm.common.visibility import is_admin

from . import engine
from .context import build_context
from .registry import dashboard_widgets, dashboards

logger = logging.getLogger(__name__)


def get_dashboard(name):
    from . import dashboards as _shipped  # noqa: F401  (registers the shipped dashboards)

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
        from . import admin_home
        from . import dashboards as _shipped  # noqa: F401  (registers the shipped dashboards)

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
