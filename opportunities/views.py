"""HTML pages: list, detail with the process bar, create/edit, lines, win/lose/reopen and the
pipeline board. Every read goes through a selector, every write through one service."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common import pagecache
from crm.common.errors import DomainError, error_text
from crm.common.formatting import format_money
from crm.common.forms import add_domain_error
from crm.common.htmx import trigger_record_changed
from crm.common.versions import cached_for_scope
from crm.common.views import ListPageView, limit_user_choices, safe_next_url
from crm.common.visibility import (
    can_change,
    changeable_owner_ids,
    check_can_change,
    readable_owner_ids,
)
from crm.customers.selectors import contact_search
from crm.scoring import display as scoring_display

from . import selectors, services
from .filters import BoardFilter, OpportunityPageFilter
from .forms import STEP_FORM_FIELDS, LineForm, LoseForm, OpportunityForm, StepsForm, WinForm
from .models import (
    STAGE_ORDER,
    ForecastCategory,
    LeadSource,
    OpportunityLine,
    Rating,
    Stage,
    StageSetting,
    StageStep,
    Status,
)

# --- list ----------------------------------------------------------------------------------


def _customer_cell(row, page):
    if row["account_id"] is not None:
        return L.esc(row["account__name"])
    if row["contact_id"] is not None:
        return L.esc(" ".join(p for p in (row["contact__first_name"],
                                           row["contact__last_name"]) if p))
    return "—"


def _stage_cell(row, page):
    stage = row["stage"]
    return (f'<span class="pill">{STAGE_ORDER.index(stage) + 1}. '
            f'{page.labels(Stage).get(stage, "")}</span>')


_STATUS_PILLS = {Status.WON: "pill-ok", Status.LOST: "pill-bad"}

OPPORTUNITY_COLUMNS = [
    L.Column("topic", _l("Topic"), ("topic",), L.link("topic", "opportunity-detail"),
             sort="topic"),
    L.Column("customer", _l("Customer"),
             ("account_id", "account__name", "contact_id", "contact__first_name",
              "contact__last_name"), _customer_cell, sort="account"),
    L.Column("stage", _l("Stage"), ("stage",), _stage_cell, sort="stage"),
    L.Column("status", _l("Status"), ("status",),
             L.pill("status", Status, css=lambda v: _STATUS_PILLS.get(v, "pill-info")),
             sort="status"),
    L.Column("revenue", _l("Est. revenue"), ("estimated_revenue", "currency"),
             L.money("estimated_revenue", "currency"), sort="revenue", css="num"),
    L.Column("probability", _l("Probability"), ("probability",),
             lambda row, page: f"{row['probability']}%", sort="probability", css="num",
             short_label=_l("Prob.")),
    scoring_display.score_column(),
    L.Column("close", _l("Est. close"), ("estimated_close_date",),
             L.day("estimated_close_date"), sort="close", css="nowrap"),
    L.Column("forecast", _l("Forecast"), ("forecast_category",),
             L.choice("forecast_category", ForecastCategory)),
    L.person_column("owner", _l("Owner"), sort="owner"),
]


def _contact_name(row) -> str:
    return " ".join(p for p in (row["contact__first_name"], row["contact__last_name"]) if p)


OPPORTUNITY_EXTRA_COLUMNS = (
    L.Column("account", _l("Account"), ("account_id", "account__name"),
             L.link("account__name", "account-detail", pk="account_id"), sort="account"),
    L.Column("contact", _l("Contact"), ("contact_id", "contact__first_name", "contact__last_name"),
             L.link("contact__last_name", "contact-detail", pk="contact_id",
                    text_fn=_contact_name)),
    L.Column("source", _l("Source"), ("source",), L.choice("source", LeadSource)),
    L.Column("rating", _l("Rating"), ("rating",), L.choice("rating", Rating)),
    L.Column("currency", _l("Currency"), ("currency",), L.text("currency")),
    L.Column("actual_revenue", _l("Actual revenue"), ("actual_revenue", "currency"),
             L.money("actual_revenue", "currency", blank_if_none=True), css="num"),
    L.Column("actual_close", _l("Actual close"), ("actual_close_date",),
             L.day("actual_close_date"), css="nowrap"),
    L.Column("team", _l("Owner's team"), ("owner__team__name",), L.text("owner__team__name")),
    L.Column("created", _l("Created"), ("created_at",), L.when("created_at"), sort="created",
             css="nowrap"),
    L.Column("updated", _l("Updated"), ("updated_at",), L.when("updated_at"), css="nowrap"),
)


class OpportunityListView(ListPageView):
    template_name = "opportunities/opportunity_list.html"
    filterset_class = OpportunityPageFilter
    search_fields = ("topic", "account__name", "contact__last_name")
    sort_fields = {
        "topic": "topic", "account": "account__name", "stage": "stage",
        "revenue": "estimated_revenue", "probability": "probability",
        "close": "estimated_close_date", "owner": "owner__last_name", "created": "created_at",
        "status": "status", "score": scoring_display.SCORE_SORT,
    }
    default_sort = "close"
    page_by_ids = True  # the index (owner, close date, id) answers the default page
    columns = OPPORTUNITY_COLUMNS
    resource = "opportunities"
    extra_columns = OPPORTUNITY_EXTRA_COLUMNS

    def get_columns(self):
        return scoring_display.without_score(super().get_columns(), self.request)

    def get_base_queryset(self):
        return selectors.opportunity_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        queryset = self.get_base_queryset()
        filterset = ctx["filterset"]
        if filterset is not None and filterset.is_bound and filterset.is_valid():
            queryset = filterset.qs
        if ctx["query"]:
            queryset = self.apply_search(queryset, ctx["query"])
        ctx["totals"] = cached_for_scope(
            "opportunity-totals", self.request.user, self.request.GET,
            lambda: selectors.opportunity_totals(queryset=queryset),
            tables=["opportunities.Opportunity"])
        return ctx


# --- detail and the process bar ------------------------------------------------------------


def _process_context(request, opportunity, *, steps_form=None, gate_error=None) -> dict:
    steps = selectors.stage_steps()
    current_steps = steps[opportunity.stage]
    if steps_form is None:
        steps_form = StepsForm(instance=opportunity, steps=current_steps,
                               prefix="step")
    editable = opportunity.is_open and can_change(request.user, opportunity)
    process = selectors.opportunity_process(opportunity=opportunity, steps=steps)
    current = next(s for s in process if s["position"] == "current")
    step_rows = [(steps_form[row["field"]], row) for row in current["steps"]
                 if row["field"] in steps_form.fields]
    missing = opportunity.missing_steps(current_steps)
    if gate_error:
        # the steps the gate asked for are the fields to fix: marked invalid, described by the
        # gate's message (and so the first of them takes the focus, static/js/a11y.js)
        for name in missing:
            if name in steps_form.fields:
                steps_form.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": "process-gate-error"})
    return {
        "opportunity": opportunity,
        "object": opportunity,
        "process": process,
        "step_rows": step_rows,
        "steps_form": steps_form,
        "missing": missing,
        # the gate hint "Required before Propose: Customer need, Proposal" (no stray comma)
        "missing_labels": [row["label"] for _field, row in step_rows if row["field"] in missing],
        "gate_error": gate_error,
        "can_edit": editable,
    }


class OpportunityDetailView(LoginRequiredMixin, TemplateView):
    template_name = "opportunities/opportunity_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opportunity = selectors.opportunity_get_for_page(user=self.request.user,
                                                         pk=kwargs["pk"])
        ctx.update(_process_context(self.request, opportunity))
        lines = list(selectors.opportunity_lines(opportunity=opportunity))
        changeable = can_change(self.request.user, opportunity)
        ctx.update(
            lines=lines,
            # shown open only while there is no line yet; else it loads when opened
            line_form=LineForm(opportunity=opportunity, prefix="line")
            if changeable and opportunity.is_open and not lines else None,
            history=list(selectors.opportunity_stage_history(opportunity=opportunity)),
            close_records=list(selectors.opportunity_close_records(opportunity=opportunity)),
            can_change=changeable,
            win_form=WinForm(), lose_form=LoseForm(),
            score_badge=scoring_display.score_badge(record=opportunity, request=self.request),
        )
        return ctx


def _process_response(request, opportunity, **extra):
    """After a step or stage change: the process bar partial for htmx, else a redirect."""
    if request.htmx:
        opportunity = selectors.opportunity_get(user=request.user, pk=opportunity.pk)
        response = render(request, "opportunities/_process.html",
                          _process_context(request, opportunity, **extra))
        # The header (stage, probability) and totals elsewhere on the page change too.
        return trigger_record_changed(response)
    return redirect(opportunity.get_absolute_url())


class OpportunityStepsView(LoginRequiredMixin, View):
    """Save the current stage's steps (inline in the process bar)."""

    def post(self, request, pk):
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        check_can_change(request.user, opportunity)
        steps = StageStep.objects.steps_for(opportunity.stage)
        form = StepsForm(request.POST, instance=opportunity, steps=steps, prefix="step")
        if form.is_valid():
            try:
                services.opportunity_update(opportunity=opportunity, actor=request.user,
                                            **form.cleaned_data)
            except (ValidationError, DomainError) as exc:
                add_domain_error(form, exc)
            else:
                if not request.htmx:
                    messages.success(request, _("Steps saved."))
                return _process_response(request, opportunity)
        if request.htmx:
            return render(request, "opportunities/_process.html",
                          _process_context(request, opportunity, steps_form=form))
        messages.error(request, _("The steps could not be saved: %(errors)s")
                       % {"errors": "; ".join(e for errs in form.errors.values() for e in errs)})
        return redirect(opportunity.get_absolute_url())


class _StageMoveView(LoginRequiredMixin, View):
    """Next stage / back: the process bar's buttons. The steps typed in the bar are saved
    first, so a seller can fill the last required step and press "Next stage" at once."""

    service = None

    def save_steps(self, request, opportunity):
        if not any(key.startswith("step-") for key in request.POST):
            return None
        if request.POST.get("from_stage") not in (None, "", opportunity.stage):
            return None  # the page was stale; the move below explains
        steps = StageStep.objects.steps_for(opportunity.stage)
        form = StepsForm(request.POST, instance=opportunity, steps=steps, prefix="step")
        if not form.is_valid():
            return form
        try:
            services.opportunity_update(opportunity=opportunity, actor=request.user,
                                        **form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            add_domain_error(form, exc)
            return form
        return None

    def post(self, request, pk):
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        check_can_change(request.user, opportunity)
        failed_form = self.save_steps(request, opportunity)
        if failed_form is not None:
            if request.htmx:
                return render(request, "opportunities/_process.html",
                              _process_context(request, opportunity, steps_form=failed_form))
            messages.error(request, _("The steps could not be saved; nothing was moved."))
            return redirect(opportunity.get_absolute_url())
        try:
            opportunity = type(self).service(
                opportunity=opportunity, actor=request.user,
                expected_stage=request.POST.get("from_stage") or None,
            )
        except DomainError as exc:
            if request.htmx:
                return _process_response(request, opportunity, gate_error=exc.message)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Moved to %(stage)s.")
                             % {"stage": opportunity.get_stage_display()})
            if request.htmx:
                response = HttpResponse(status=200)
                response["HX-Redirect"] = opportunity.get_absolute_url()
                return response
        return redirect(safe_next_url(request, opportunity.get_absolute_url()))


class OpportunityAdvanceView(_StageMoveView):
    service = staticmethod(services.opportunity_advance)


class OpportunityRetreatView(_StageMoveView):
    service = staticmethod(services.opportunity_retreat)


# --- create / edit -------------------------------------------------------------------------


def _form_data(form) -> dict:
    data = {k: v for k, v in form.cleaned_data.items() if k != "owner"}
    if data.get("probability") is None:
        data.pop("probability", None)
    if not data.get("currency"):
        data.pop("currency", None)
    return data


class OpportunityCreateView(LoginRequiredMixin, View):
    template_name = "opportunities/opportunity_form.html"

    def initial(self):
        initial = {}
        for name in ("account", "contact"):
            value = self.request.GET.get(name)
            if value and value.isdigit():
                initial[name] = value
        return initial

    def get(self, request):
        form = OpportunityForm(user=request.user, initial=self.initial())
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = OpportunityForm(request.POST, user=request.user)
        if form.is_valid():
            data = _form_data(form)
            try:
                opportunity = services.opportunity_create(
                    actor=request.user, owner=form.cleaned_data.get("owner"), **data
                )
            except (ValidationError, DomainError, PermissionDenied) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Opportunity “%(topic)s” created.")
                                 % {"topic": opportunity.topic})
                return redirect(opportunity.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return render(request, self.template_name, {"form": form})


class OpportunityUpdateView(LoginRequiredMixin, View):
    template_name = "opportunities/opportunity_form.html"

    def get_object(self):
        opportunity = selectors.opportunity_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, opportunity)
        return opportunity

    def render_form(self, form, opportunity):
        return render(self.request, self.template_name, {
            "form": form, "object": opportunity,
            "step_groups": [
                (stage, label, [form[f.field] for f in steps if f.field in STEP_FORM_FIELDS])
                for stage, label, steps in _step_groups()
            ],
        })

    def get(self, request, pk):
        opportunity = self.get_object()
        if not opportunity.is_open:
            messages.error(request, _("This opportunity is %(status)s and read-only. Reopen it "
                                      "to change it.")
                           % {"status": opportunity.get_status_display().lower()})
            return redirect(opportunity.get_absolute_url())
        return self.render_form(OpportunityForm(instance=opportunity, user=request.user),
                                opportunity)

    def post(self, request, pk):
        opportunity = self.get_object()
        form = OpportunityForm(request.POST, instance=opportunity, user=request.user)
        if form.is_valid():
            data = _form_data(form)
            if "probability" not in data:
                data["probability"] = StageSetting.probability_for(opportunity.stage)
            if form.cleaned_data.get("owner") is not None:
                data["owner"] = form.cleaned_data["owner"]
            try:
                opportunity = services.opportunity_update(
                    opportunity=opportunity, actor=request.user,
                    expected_version=request.POST.get("version") or None, **data,
                )
            except (ValidationError, DomainError, PermissionDenied) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Opportunity “%(topic)s” saved.")
                                 % {"topic": opportunity.topic})
                return redirect(opportunity.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, opportunity)


def _step_groups():
    grouped = selectors.stage_steps()
    labels = dict(Stage.choices)
    return [(stage, labels[stage], grouped[stage]) for stage in STAGE_ORDER]


# --- close and reopen ----------------------------------------------------------------------


class _CloseView(LoginRequiredMixin, View):
    form_class = None
    template_name = "opportunities/opportunity_close.html"
    outcome = ""

    def get_object(self):
        opportunity = selectors.opportunity_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, opportunity)
        return opportunity

    def render_form(self, form, opportunity):
        return render(self.request, self.template_name, {
            "form": form, "object": opportunity, "opportunity": opportunity,
            "outcome": self.outcome,
            "next": safe_next_url(self.request, opportunity.get_absolute_url()),
        })

    def get(self, request, pk):
        opportunity = self.get_object()
        if not opportunity.is_open:
            messages.error(request, _("This opportunity is already %(status)s.")
                           % {"status": opportunity.get_status_display().lower()})
            return redirect(opportunity.get_absolute_url())
        return self.render_form(self.form_class(), opportunity)

    def post(self, request, pk):
        opportunity = self.get_object()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                opportunity = self.close(opportunity, form.cleaned_data)
            except (ValidationError, DomainError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, self.success_message(opportunity))
                return redirect(safe_next_url(request, opportunity.get_absolute_url()))
        return self.render_form(form, opportunity)


class OpportunityWinView(_CloseView):
    form_class = WinForm
    outcome = "won"

    def close(self, opportunity, data):
        return services.opportunity_win(opportunity=opportunity, actor=self.request.user,
                                        **data)

    def success_message(self, opportunity):
        return _("Won “%(topic)s”: %(amount)s.") % {
            "topic": opportunity.topic,
            "amount": format_money(opportunity.actual_revenue, opportunity.currency),
        }


class OpportunityLoseView(_CloseView):
    form_class = LoseForm
    outcome = "lost"

    def close(self, opportunity, data):
        return services.opportunity_lose(opportunity=opportunity, actor=self.request.user,
                                         **data)

    def success_message(self, opportunity):
        return _("“%(topic)s” closed as lost.") % {"topic": opportunity.topic}


class OpportunityReopenView(LoginRequiredMixin, View):
    def post(self, request, pk):
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        check_can_change(request.user, opportunity)
        try:
            services.opportunity_reopen(opportunity=opportunity, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Opportunity reopened."))
        return redirect(opportunity.get_absolute_url())


class OpportunityHoldView(LoginRequiredMixin, View):
    def post(self, request, pk):
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        check_can_change(request.user, opportunity)
        service = (services.opportunity_resume if opportunity.status_reason == "on_hold"
                   else services.opportunity_put_on_hold)
        try:
            opportunity = service(opportunity=opportunity, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Status: %(reason)s.")
                             % {"reason": opportunity.get_status_reason_display().lower()})
        return redirect(opportunity.get_absolute_url())


# --- lines ---------------------------------------------------------------------------------


class OpportunityLineAddView(LoginRequiredMixin, View):
    template_name = "opportunities/line_form.html"

    def get_object(self):
        opportunity = selectors.opportunity_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, opportunity)
        return opportunity

    def get(self, request, pk):
        opportunity = self.get_object()
        form = LineForm(opportunity=opportunity, prefix="line")
        if request.htmx:  # the detail page's "Add a line", opened
            return render(request, "opportunities/_line_add_form.html",
                          {"line_form": form, "opportunity": opportunity})
        return render(request, self.template_name, {"form": form, "object": opportunity})

    def post(self, request, pk):
        opportunity = self.get_object()
        form = LineForm(request.POST, opportunity=opportunity, prefix="line")
        if form.is_valid():
            try:
                line = services.opportunity_line_add(
                    opportunity=opportunity, actor=request.user, **form.cleaned_data
                )
            except (ValidationError, DomainError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Line “%(name)s” added.") % {"name": line.name})
                return redirect(opportunity.get_absolute_url() + "#lines")
        messages.error(request, _("Please correct the errors below."))
        return render(request, self.template_name, {"form": form, "object": opportunity})


class OpportunityLineUpdateView(LoginRequiredMixin, View):
    template_name = "opportunities/line_form.html"

    def get_objects(self):
        opportunity = selectors.opportunity_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, opportunity)
        line = get_object_or_404(OpportunityLine.objects.select_related("product"),
                                 opportunity=opportunity, pk=self.kwargs["line_pk"])
        return opportunity, line

    def get(self, request, pk, line_pk):
        opportunity, line = self.get_objects()
        form = LineForm(instance=line, opportunity=opportunity, prefix="line")
        return render(request, self.template_name,
                      {"form": form, "object": opportunity, "line": line})

    def post(self, request, pk, line_pk):
        opportunity, line = self.get_objects()
        if request.POST.get("delete"):
            try:
                services.opportunity_line_remove(line=line, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Line removed."))
            return redirect(opportunity.get_absolute_url() + "#lines")
        form = LineForm(request.POST, instance=line, opportunity=opportunity, prefix="line")
        if form.is_valid():
            data = dict(form.cleaned_data)
            if data.get("unit_price") is None and line.price_overridden and line.product_id:
                data["unit_price"] = None  # back to the catalog price
            elif data.get("unit_price") is None:
                data.pop("unit_price")
            try:
                services.opportunity_line_update(line=line, actor=request.user, **data)
            except (ValidationError, DomainError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Line saved."))
                return redirect(opportunity.get_absolute_url() + "#lines")
        return render(request, self.template_name,
                      {"form": form, "object": opportunity, "line": line})


# --- the pipeline board --------------------------------------------------------------------


def _board_filter(request):
    base = selectors.opportunity_list(user=request.user)
    filterset = BoardFilter(request.GET or None, queryset=base, request=request)
    # the owner filter offers whom the viewer may read (cached), like the list page's
    limit_user_choices(filterset.form, request.user)
    valid = filterset.is_bound and filterset.is_valid()
    queryset = filterset.qs if valid else base
    # Velocity figures (the stage-time rollup) of the owners the board shows.
    owner_ids = readable_owner_ids(request.user)
    owner = filterset.form.cleaned_data.get("owner") if valid else None
    if owner is not None:
        owner_ids = frozenset({owner.pk}) if owner_ids is None else owner_ids & {owner.pk}
    return filterset, queryset, owner_ids


def _mark_movable(request, cards) -> None:
    changeable = changeable_owner_ids(request.user)
    for card in cards:
        card.movable = changeable is None or card.owner_id in changeable


def _board_context(request, *, error=None, moved=None, lazy=False) -> dict:
    """The board; `lazy`: lane heads only, each lane's cards load on demand (BoardLaneView)."""
    filterset, queryset, owner_ids = _board_filter(request)
    columns = selectors.pipeline_columns(queryset=queryset, velocity_owner_ids=owner_ids,
                                         with_cards=not lazy)
    querystring = request.GET.urlencode()
    for column in columns:
        if lazy:
            column["lane_url"] = reverse("opportunity-board-lane", args=[column["stage"]]) + (
                f"?{querystring}" if querystring else "")
        else:
            _mark_movable(request, column["cards"])
    return {
        "columns": columns,
        "filter_form": filterset.form,
        "filterset": filterset,
        "board_error": error,
        "moved": moved,
        "querystring": querystring,
        "stages": STAGE_ORDER,
        "scoring_on": scoring_display.scoring_on(request),
    }


class OpportunityBoardView(LoginRequiredMixin, TemplateView):
    """The board's first paint: filters and lane heads (count, sum, velocity); the cards of
    each lane follow through htmx (`opportunity-board-lane`)."""

    template_name = "opportunities/opportunity_board.html"

    def get(self, request, *args, **kwargs):
        # From the page cache like the list pages: the lane heads aggregate every open deal
        # the viewer reads, a cost that grows with the data (docs/scaling.md).
        return pagecache.serve_html(self, request, lambda: super(OpportunityBoardView, self)
                                    .get(request, *args, **kwargs))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(_board_context(self.request, lazy=True))
        ctx["is_filtered"] = any(v for v in self.request.GET.values())
        return ctx


class OpportunityBoardLaneView(LoginRequiredMixin, View):
    """The cards of one lane of the board (same filters as the board)."""

    limit = 50

    def get(self, request, stage):
        if stage not in STAGE_ORDER:
            raise Http404("No such stage.")
        _filterset, queryset, _owner_ids = _board_filter(request)
        cards = selectors.lane_cards(queryset=queryset, stage=stage, limit=self.limit + 1)
        more = len(cards) > self.limit
        cards = cards[: self.limit]
        _mark_movable(request, cards)
        column = {
            "stage": stage, "label": dict(Stage.choices)[stage], "cards": cards,
            "count": selectors.lane_count(queryset=queryset, stage=stage) if more
            else len(cards),
        }
        return render(request, "opportunities/_lane.html", {
            "col": column, "querystring": request.GET.urlencode(),
            "scoring_on": scoring_display.scoring_on(request),
        })


class OpportunityBoardMoveView(LoginRequiredMixin, View):
    """A card dropped on another column: the same service and gate as the "next stage"
    button. Answers the refreshed board (so a refused move puts the card back)."""

    def post(self, request, pk):
        opportunity = selectors.opportunity_get(user=request.user, pk=pk)
        error = moved = None
        try:
            check_can_change(request.user, opportunity)
            opportunity = services.opportunity_move_to(
                opportunity=opportunity, actor=request.user,
                stage=request.POST.get("to_stage", ""),
                expected_stage=request.POST.get("from_stage") or None,
            )
            moved = opportunity
        except PermissionDenied as exc:
            error = str(exc)
        except ValidationError as exc:
            error = error_text(exc)
        except DomainError as exc:
            error = exc.message
        ctx = _board_context(request, error=error, moved=moved)
        ctx["error_opportunity"] = None if moved else opportunity
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(reverse("opportunity-board"))
        return render(request, "opportunities/_board.html", ctx)


# --- lookups -------------------------------------------------------------------------------


class ContactLookupView(LoginRequiredMixin, View):
    """`<option>`s of contacts matching `q`, for the opportunity form's contact field."""

    def get(self, request):
        term = (request.GET.get("q") or request.GET.get(
            f"{request.GET.get('field', '')}__lookup") or "").strip()
        contacts = list(contact_search(request.user, term, 20)) if term else []
        options = format_html_join(
            "", '<option value="{}">{}{}</option>',
            ((c.pk, c.full_name, f" ({c.account.name})" if c.account_id else "")
             for c in contacts),
        )
        empty = '<option value="">— choose —</option>' if contacts else (
            '<option value="">No match</option>')
        return HttpResponse(empty + options)

