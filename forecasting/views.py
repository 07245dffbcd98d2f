"""The forecast grid, its drill-down to opportunities, adjustments and quotas (HTML)."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import floatformat
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.common.errors import DomainError
from crm.common.formatting import format_money
from crm.common.views import safe_next_url
from crm.common.visibility import get_readable_or_404, is_admin, subordinate_ids
from crm.insights.periods import MONTH, QUARTER, month_period, quarter_containing
from crm.users.models import User
from opportunities.models import Opportunity

from . import rollup, selectors, services
from .forms import OPEN_CATEGORY_CHOICES, AdjustmentForm, CategoryForm, QuotaUploadForm
from .models import Quota

COLUMN_LABELS = [
    ("quota", _("Quota")), ("won", _("Won")), ("committed", _("Committed")),
    ("best_case", _("Best case")), ("pipeline", _("Pipeline")), ("omitted", _("Omitted")),
    ("lost", _("Lost")),
]


def _period_from(request):
    try:
        return selectors.forecast_period(request.GET.get("period") or request.POST.get("period"))
    except ValueError as exc:
        messages.error(request, str(exc))
        return selectors.forecast_period(None)


def _root_from(request, key="user"):
    raw = request.GET.get(key) or request.POST.get(key)
    if not raw:
        return request.user
    try:
        pk = int(raw)
    except ValueError:
        raise Http404("No such user.")
    allowed = selectors.viewable_root_ids(request.user)
    if allowed is not None and pk not in allowed:
        raise Http404("No forecast for this user.")
    return get_object_or_404(User, pk=pk, is_active=True)


def _grid_url(period, user=None):
    params = {"period": period.key}
    if user is not None:
        params["user"] = user.pk
    return f"{reverse('forecast-grid')}?{urlencode(params)}"


def _opportunity_url_factory():
    try:
        reverse("opportunity-detail", args=[1])
    except NoReverseMatch:
        return lambda pk: None
    return lambda pk: reverse("opportunity-detail", args=[pk])


def _grid_body(rows, period) -> str:
    """The grid's `<tbody>` rows in one pass of Python (issue 17: ~400 cells, each a template
    `{% url %}`, `|money` and `{% translate %}`, cost most of the page): the drill-down URL
    resolved once, labels translated once, each distinct amount formatted once."""
    esc = conditional_escape
    key = esc(period.key)
    drill = esc(reverse("forecast-opportunities"))
    adjust = esc(reverse("forecast-adjust"))
    user_label, forecast_label = esc(_("User")), esc(_("Forecast"))
    open_team = esc(_("Open this team's forecast"))
    team = esc(_("(team)"))
    every_deal, deals = esc(_("Every deal of this row")), esc(_("deals"))
    adjust_label = esc(_("Adjust"))
    columns = [(column, esc(label)) for column, label in COLUMN_LABELS]
    amounts: dict = {}

    def money(value):
        text = amounts.get(value)
        if text is None:
            text = amounts[value] = esc(format_money(value))
        return text

    out = []
    for index, row in enumerate(rows):
        pk = row.user.pk
        name = esc(str(row.user))
        query = f"?period={key}&amp;user={pk}"
        if row.has_reports and index:
            who = f'<a href="{query}" title="{open_team}">{name} ▸</a>'
        else:
            who = name
        if row.has_reports:
            who += f'<span class="muted small"> {team}</span>'
        cells = [
            f'<tr class="level-{row.level}{" total" if index == 0 else ""}" data-user="{pk}">'
            f'<td class="nowrap" data-label="{user_label}">{who}\n        <a class="small" '
            f'href="{drill}{query}&amp;column=all" title="{every_deal}">{deals}</a></td>'
        ]
        for column, label in columns:
            value = row.total.get(column)
            if column == "quota":
                inner = money(value)
                attainment = row.attainment
                if attainment is not None:
                    shown = formats.localize(attainment)
                    title = esc(_("%(attainment)s %% of quota won") % {"attainment": shown})
                    shown = esc(shown)
                    inner += (f'<div class="progress" title="{title}"><span data-bar-width="'
                              f'{esc(floatformat(attainment, 0))}"></span></div>'
                              f'<span class="muted small">{shown} %</span>')
            elif value:
                inner = f'<a href="{drill}{query}&amp;column={column}">{money(value)}</a>'
            else:
                inner = f'<span class="muted">{money(value)}</span>'
            cells.append(f'<td class="num" data-label="{label}">{inner}</td>')
        forecast = money(row.forecast)
        if row.is_adjusted:
            title = esc(_("Adjusted by %(adjusted_by)s: %(note)s (system %(system_forecast)s)")
                        % {"adjusted_by": row.adjustment.adjusted_by,
                           "note": row.adjustment.note,
                           "system_forecast": format_money(row.system_forecast)})
            forecast = f'<span class="adjusted" title="{title}">{forecast} ✎</span>'
        cells.append(f'<td class="num" data-label="{forecast_label}"><span data-forecast>'
                     f'{forecast}</span>')
        if row.can_adjust:
            cells.append(f'\n        <br><a class="small" href="{adjust}{query}">'
                         f'{adjust_label}</a>')
        cells.append("</td></tr>\n")
        out.append("".join(cells))
    return mark_safe("".join(out))


class ForecastGridView(LoginRequiredMixin, TemplateView):
    template_name = "forecasting/grid.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        period = _period_from(self.request)
        root = _root_from(self.request)
        # From the rollup the beat task keeps warm (forecasting/rollup.py); "Refresh now" or
        # a cache miss computes it (on the read replica when there is one).
        tree, computed_at, from_cache = rollup.grid_tree(
            viewer=self.request.user, root=root, period=period,
            fresh=bool(self.request.GET.get("refresh")))
        rows = list(tree.walk())
        snapshots = list(selectors.snapshot_series(user=root, period=period))
        chart = None
        if snapshots:
            series = [("won", _("Won")), ("committed", _("Committed")),
                      ("best_case", _("Best case")), ("pipeline", _("Pipeline")),
                      ("adjusted", _("Forecast")), ("quota", _("Quota"))]
            chart = {
                "type": "line", "stacked": False,
                "labels": [s.taken_on.isoformat() for s in snapshots],
                "urls": [None] * len(snapshots),
                "datasets": [{"label": str(label),
                              "data": [float(getattr(s, key)) for s in snapshots]}
                             for key, label in series],
            }
        today = timezone.localdate()
        other_kind = month_period(period.start) if period.kind == QUARTER else \
            quarter_containing(period.start)
        chain = []
        node = root
        managers = {u.pk: u for u in User.objects.filter(
            pk__in=self._manager_chain_ids(root)).only("id", "first_name", "last_name",
                                                        "username", "manager_id")}
        while node.manager_id and node.manager_id in managers:
            node = managers[node.manager_id]
            chain.insert(0, node)
        ctx.update(
            period=period, root=root, tree=tree, rows=rows, columns=COLUMN_LABELS,
            grid_body=_grid_body(rows, period),
            chart=chart, snapshots=snapshots, computed_at=computed_at, from_cache=from_cache,
            refresh_url=_grid_url(period, root) + "&refresh=1",
            previous_url=_grid_url(period.shift(-1), root),
            next_url=_grid_url(period.shift(1), root),
            current_url=_grid_url(quarter_containing(today) if period.kind == QUARTER
                                  else month_period(today), root),
            switch_url=_grid_url(other_kind, root),
            switch_label=_("Months") if period.kind == QUARTER else _("Quarters"),
            breadcrumbs=chain, can_set_quotas=is_admin(self.request.user)
            or bool(subordinate_ids(self.request.user)),
        )
        return ctx

    def _manager_chain_ids(self, root):
        allowed = selectors.viewable_root_ids(self.request.user)
        if allowed is None:
            return list(User.objects.filter(manager__isnull=False).values_list("manager_id",
                                                                               flat=True))
        return [pk for pk in allowed if pk != root.pk]


class ForecastOpportunitiesView(LoginRequiredMixin, TemplateView):
    """The opportunities behind a forecast row or cell; sellers set categories here."""

    template_name = "forecasting/opportunities.html"
    limit = 200

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        period = _period_from(self.request)
        root = _root_from(self.request)
        column = self.request.GET.get("column") or "all"
        scope = "own" if self.request.GET.get("scope") == "own" else "total"
        qs = selectors.drill_down(viewer=self.request.user, root=root, period=period,
                                  column=column, scope=scope)
        rows = list(qs[: self.limit + 1])
        url_for = _opportunity_url_factory()
        from crm.common.visibility import changeable_owner_ids

        changeable = changeable_owner_ids(self.request.user)
        for o in rows:
            o.detail_url = url_for(o.pk)
            o.category_editable = o.status == "open" and (changeable is None
                                                          or o.owner_id in changeable)
        labels = dict(COLUMN_LABELS)
        ctx.update(
            period=period, root=root, column=column, scope=scope,
            with_team=scope == "total" and bool(subordinate_ids(root)),
            column_label=labels.get(column, _("All opportunities")),
            object_list=rows[: self.limit], truncated=len(rows) > self.limit,
            category_choices=OPEN_CATEGORY_CHOICES, grid_url=_grid_url(period, root),
            total=sum((o.estimated_revenue for o in rows[: self.limit]), Decimal("0.00")),
            next_url=self.request.get_full_path(),
        )
        return ctx


class ForecastCategoryView(LoginRequiredMixin, View):
    def post(self, request, pk):
        opportunity = get_readable_or_404(Opportunity.objects.all(), request.user, pk=pk)
        form = CategoryForm(request.POST)
        fallback = reverse("forecast-grid")
        if not form.is_valid():
            messages.error(request, _("Choose a forecast category."))
            return redirect(safe_next_url(request, fallback))
        try:
            services.forecast_set_category(actor=request.user, opportunity=opportunity,
                                           category=form.cleaned_data["forecast_category"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is now %(category)s.") % {
                "name": opportunity.topic,
                "category": dict(OPEN_CATEGORY_CHOICES)[form.cleaned_data["forecast_category"]],
            })
        return redirect(safe_next_url(request, fallback))


class ForecastAdjustView(LoginRequiredMixin, TemplateView):
    template_name = "forecasting/adjust.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.period = _period_from(request)
        self.row_user = _root_from(request)
        if not selectors.can_adjust(request.user, self.row_user):
            raise PermissionDenied(_("Only the managers above this row can adjust it."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        row = selectors.forecast_tree(viewer=self.request.user, root=self.row_user,
                                      period=self.period)
        ctx.update(
            period=self.period, row_user=self.row_user, row=row,
            form=form or AdjustmentForm(initial={"amount": row.forecast}),
            history=selectors.adjustment_history(user=self.row_user, period=self.period),
            grid_url=_grid_url(self.period, self.row_user.manager
                               if self.row_user.manager_id and self.row_user != self.request.user
                               else self.row_user),
        )
        return ctx

    def post(self, request):
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            try:
                services.forecast_adjust(
                    actor=request.user, user=self.row_user, period=self.period,
                    amount=form.cleaned_data.get("amount"), note=form.cleaned_data["note"],
                    reset=form.cleaned_data.get("reset", False),
                )
            except DomainError as exc:
                for field, errors in (exc.extra.get("fields") or {}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.extra.get("fields"):
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Forecast of %(user)s adjusted.") %
                                 {"user": self.row_user})
                return redirect(self.get_context_data()["grid_url"])
        return self.render_to_response(self.get_context_data(form=form), status=400)


class QuotaView(LoginRequiredMixin, TemplateView):
    """Quotas for one period of everyone the viewer may set quotas for; CSV upload."""

    template_name = "forecasting/quotas.html"

    def _users(self):
        qs = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        if not is_admin(self.request.user):
            qs = qs.filter(pk__in=subordinate_ids(self.request.user))
        return list(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        period = kwargs.get("period") or _period_from(self.request)
        users = self._users()
        amounts = dict(Quota.objects.filter(
            period_type=period.kind, period_start=period.start, user__in=users
        ).values_list("user_id", "amount"))
        posted = kwargs.get("posted") or {}
        rows = [{"user": u, "amount": posted.get(u.pk, amounts.get(u.pk, "")),
                 "error": (kwargs.get("errors") or {}).get(u.pk)} for u in users]
        ctx.update(
            period=period, rows=rows, upload_form=kwargs.get("upload_form") or QuotaUploadForm(),
            previous_url=f"{reverse('forecast-quotas')}?period={period.shift(-1).key}",
            next_url=f"{reverse('forecast-quotas')}?period={period.shift(1).key}",
            other_url=f"{reverse('forecast-quotas')}?period="
            f"{(month_period(period.start) if period.kind == QUARTER else quarter_containing(period.start)).key}",  # noqa: E501
            other_label=_("Months") if period.kind == QUARTER else _("Quarters"),
            grid_url=_grid_url(period),
            is_month=period.kind == MONTH,
        )
        return ctx

    def post(self, request):
        period = _period_from(request)
        users = {u.pk: u for u in self._users()}
        errors, posted, saved = {}, {}, 0
        for key, value in request.POST.items():
            if not key.startswith("quota-"):
                continue
            try:
                user = users[int(key.removeprefix("quota-"))]
            except (KeyError, ValueError):
                continue
            value = value.strip()
            posted[user.pk] = value
            if value == "":
                continue
            try:
                services.quota_set(actor=request.user, user=user, period=period, amount=value)
                saved += 1
            except DomainError as exc:
                errors[user.pk] = exc.message
        if errors:
            messages.error(request, _("Some quotas were not saved; see the rows marked."))
            return self.render_to_response(
                self.get_context_data(period=period, posted=posted, errors=errors), status=400
            )
        messages.success(request, _("%(count)d quotas saved for %(period)s.") %
                         {"count": saved, "period": period.label})
        return redirect(f"{reverse('forecast-quotas')}?period={period.key}")


class QuotaUploadView(LoginRequiredMixin, View):
    def post(self, request):
        form = QuotaUploadForm(request.POST, request.FILES)
        period_key = request.POST.get("period", "")
        back = f"{reverse('forecast-quotas')}?period={period_key}" if period_key else \
            reverse("forecast-quotas")
        if not form.is_valid():
            for error in form.errors.get("file", []):
                messages.error(request, error)
            return redirect(back)
        result = services.quota_upload(actor=request.user, file_text=form.cleaned_data["file"])
        if result.saved:
            messages.success(request, _("%(count)d quotas saved from the file.") %
                             {"count": result.saved})
        for error in result.errors[:20]:
            messages.error(request, error)
        if len(result.errors) > 20:
            messages.error(request, _("… and %(count)d more rows with errors.") %
                           {"count": len(result.errors) - 20})
        return redirect(back)
