"""Quote pages: list, detail with the htmx line editor, header form, lifecycle actions, PDF."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common.errors import DomainError, error_text
from crm.common.forms import add_domain_error
from crm.common.htmx import trigger_record_changed
from crm.common.views import ListPageView
from crm.common.visibility import can_change, check_can_change, get_readable_or_404
from opportunities.models import Opportunity

from . import selectors, services
from .filters import QuotePageFilter
from .forms import QuoteCloseForm, QuoteForm, QuoteFromOpportunityForm, QuoteLineForm
from .models import Quote, QuoteLine, QuoteStatus, QuoteStatusReason, default_valid_until
from .pdf import quote_pdf, quote_pdf_filename


def _create_order_url(quote) -> str | None:
    """The invoices app serves `quote-create-order`; show the button once it exists."""
    try:
        return reverse("quote-create-order", args=[quote.pk])
    except NoReverseMatch:
        return None


def _quote_number_cell(row, page):
    number = f"{row['number']} rev. {row['revision']}" if row["revision"] else row["number"]
    return f'<a href="{page.url("quote-detail", row["id"])}">{L.esc(number)}</a>'


def _quote_name_cell(row, page):
    html = L.esc(row["name"])
    if row["opportunity_id"] is not None:
        html += f'<br><small class="muted">{L.esc(row["opportunity__topic"])}</small>'
    return html


def _customer_link_cell(row, page):
    """The account (linked), else the contact (linked), else "—"."""
    if row["account_id"] is not None:
        return (f'<a href="{page.url("account-detail", row["account_id"])}">'
                f'{L.esc(row["account__name"])}</a>')
    if row["contact_id"] is not None:
        name = " ".join(p for p in (row["contact__first_name"], row["contact__last_name"]) if p)
        return f'<a href="{page.url("contact-detail", row["contact_id"])}">{L.esc(name)}</a>'
    return "—"


_QUOTE_PILLS = {QuoteStatus.ACTIVE: "pill-info", QuoteStatus.WON: "pill-ok",
                QuoteStatus.CLOSED: "pill-bad"}


def _quote_status_cell(row, page):
    """What quotes/_status.html renders."""
    status = row["status"]
    label = page.labels(QuoteStatus).get(status, "")
    if status == QuoteStatus.CLOSED:
        label += f' · {page.labels(QuoteStatusReason).get(row["status_reason"], "").lower()}'
    html = f'<span class="pill {_QUOTE_PILLS.get(status, "")}">{label}</span>'
    if (row["valid_until"] and status == QuoteStatus.ACTIVE
            and row["valid_until"] < page.today):
        html += f' <span class="pill pill-warn">{L.esc(_("expired"))}</span>'
    return html


_CUSTOMER_FIELDS = ("account_id", "account__name", "contact_id", "contact__first_name",
                    "contact__last_name")

QUOTE_COLUMNS = [
    L.Column("number", _l("Number"), ("number", "revision"), _quote_number_cell,
             sort="number", css="nowrap"),
    L.Column("name", _l("Name"), ("name", "opportunity_id", "opportunity__topic"),
             _quote_name_cell, sort="name"),
    L.Column("customer", _l("Customer"), _CUSTOMER_FIELDS, _customer_link_cell,
             sort="customer"),
    L.Column("status", _l("Status"), ("status", "status_reason", "valid_until"),
             _quote_status_cell, sort="status"),
    L.Column("total", _l("Total"), ("total", "currency"), L.money("total", "currency"),
             sort="total", css="num"),
    L.Column("valid_until", _l("Valid until"), ("valid_until",), L.day("valid_until"),
             sort="valid_until", css="nowrap"),
    L.person_column("owner", _l("Owner"), sort="owner"),
]


QUOTE_EXTRA_COLUMNS = (
    L.Column("account", _l("Account"), ("account_id", "account__name"),
             L.link("account__name", "account-detail", pk="account_id"), sort="customer"),
    L.Column("opportunity", _l("Opportunity"), ("opportunity_id", "opportunity__topic"),
             L.link("opportunity__topic", "opportunity-detail", pk="opportunity_id")),
    L.Column("currency", _l("Currency"), ("currency",), L.text("currency")),
    L.Column("team", _l("Owner's team"), ("owner__team__name",), L.text("owner__team__name")),
    L.Column("created", _l("Created"), ("created_at",), L.when("created_at"), sort="created",
             css="nowrap"),
    L.Column("updated", _l("Updated"), ("updated_at",), L.when("updated_at"), css="nowrap"),
)


class QuoteListView(ListPageView):
    template_name = "quotes/quote_list.html"
    filterset_class = QuotePageFilter
    search_fields = ("number", "name", "account__name")
    sort_fields = {"number": "number", "name": "name", "customer": "account__name",
                   "status": "status", "total": "total", "valid_until": "valid_until",
                   "owner": "owner__last_name", "created": "created_at"}
    default_sort = "-created"
    columns = QUOTE_COLUMNS
    resource = "quotes"
    extra_columns = QUOTE_EXTRA_COLUMNS

    def get_base_queryset(self):
        return selectors.quote_list(user=self.request.user)


class _QuoteMixin(LoginRequiredMixin):
    def get_quote(self) -> Quote:
        return selectors.quote_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_changeable_quote(self) -> Quote:
        quote = self.get_quote()
        check_can_change(self.request.user, quote)
        return quote


def _lines_context(request, quote, *, line_form=None, edit_line=None, edit_form=None,
                   lines=None) -> dict:
    editable = quote.is_editable and can_change(request.user, quote)
    if lines is None:
        lines = list(selectors.quote_lines(quote=quote))
    if editable and line_form is None and edit_line is None:
        line_form = QuoteLineForm(quote=quote, initial={"quantity": 1})
    return {"quote": quote, "lines": lines, "editable": editable, "line_form": line_form,
            "edit_line": edit_line, "edit_form": edit_form}


class QuoteDetailView(_QuoteMixin, TemplateView):
    template_name = "quotes/quote_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = self.get_quote()
        user = self.request.user
        changeable = can_change(user, quote)
        actions = services.allowed_actions(quote) if changeable else []
        ctx.update(_lines_context(self.request, quote))
        ctx.update(
            object=quote,
            can_change=changeable,
            actions=actions,
            revisions=list(selectors.quote_revisions(quote=quote, user=user)),
            close_form=QuoteCloseForm(),
            create_order_url=_create_order_url(quote) if "create_order" in actions else None,
        )
        return ctx


class QuoteLinesView(_QuoteMixin, View):
    """The line editor partial (htmx): GET re-renders it, e.g. to cancel an edit."""

    def get(self, request, pk):
        quote = self.get_quote()
        return render(request, "quotes/_lines.html", _lines_context(request, quote))


def _lines_response(request, quote, *, message=None, **kwargs):
    """htmx: the refreshed editor; plain form posts: back to the page with a message."""
    quote = Quote.objects.select_related("account", "contact", "owner").get(pk=quote.pk)
    if request.htmx:
        response = render(request, "quotes/_lines.html",
                          _lines_context(request, quote, **kwargs))
        return trigger_record_changed(response)
    if message:
        messages.success(request, message)
    return redirect(quote.get_absolute_url())


def _lines_error(request, quote, form, exc=None):
    if exc is not None:
        add_domain_error(form, exc)
    if request.htmx:
        return render(request, "quotes/_lines.html",
                      _lines_context(request, quote, line_form=form))
    messages.error(request, _("The line was not saved: %(e)s") % {
        "e": " ".join(str(e) for errs in form.errors.values() for e in errs)})
    return redirect(quote.get_absolute_url())


class QuoteLineAddView(_QuoteMixin, View):
    def post(self, request, pk):
        quote = self.get_changeable_quote()
        form = QuoteLineForm(request.POST, quote=quote)
        if not form.is_valid():
            return _lines_error(request, quote, form)
        data = form.cleaned_data
        try:
            services.quote_add_line(
                quote=quote, actor=request.user, product=data.get("product"),
                write_in_name=data.get("write_in_name") or "", quantity=data["quantity"],
                unit_price=data.get("unit_price"), tax_rate=data.get("tax_rate"),
                manual_discount=data.get("manual_discount") or 0,
            )
        except (DomainError, ValidationError) as exc:
            return _lines_error(request, quote, form, exc)
        return _lines_response(request, quote, message=_("Line added."))


class QuoteLineEditView(_QuoteMixin, View):
    def _line(self, quote) -> QuoteLine:
        return get_object_or_404(QuoteLine, quote_id=quote.pk, pk=self.kwargs["line_pk"])

    def get(self, request, pk, line_pk):
        quote = self.get_changeable_quote()
        line = self._line(quote)
        if not quote.is_editable:  # read-only: show the lines as they are
            return render(request, "quotes/_lines.html", _lines_context(request, quote))
        form = QuoteLineForm(quote=quote, editing=line, initial={
            "write_in_name": line.product_name, "quantity": line.quantity.normalize(),
            "unit_price": line.unit_price, "manual_discount": line.manual_discount,
            "tax_rate": line.tax_rate.normalize()})
        return render(request, "quotes/_lines.html",
                      _lines_context(request, quote, edit_line=line, edit_form=form))

    def post(self, request, pk, line_pk):
        quote = self.get_changeable_quote()
        line = self._line(quote)
        form = QuoteLineForm(request.POST, quote=quote, editing=line)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v is not None}
            if "write_in_name" in data:
                data["product_name"] = data.pop("write_in_name")
            data.setdefault("manual_discount", 0)
            try:
                services.quote_update_line(line=line, actor=request.user, **data)
            except (DomainError, ValidationError) as exc:
                add_domain_error(form, exc)
            else:
                return _lines_response(request, quote, message=_("Line saved."))
        if request.htmx:
            return render(request, "quotes/_lines.html",
                          _lines_context(request, quote, edit_line=line, edit_form=form))
        messages.error(request, _("The line was not saved."))
        return redirect(quote.get_absolute_url())


class QuoteLineDeleteView(QuoteLineEditView):
    def get(self, request, pk, line_pk):
        return redirect("quote-detail", pk=pk)

    def post(self, request, pk, line_pk):
        quote = self.get_changeable_quote()
        line = self._line(quote)
        try:
            services.quote_remove_line(line=line, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        return _lines_response(request, quote, message=_("Line removed."))


class _ActionView(_QuoteMixin, View):
    """POST-only lifecycle action; domain refusals become an error message on the page."""

    def get(self, request, pk):
        return redirect("quote-detail", pk=pk)

    def post(self, request, pk):
        quote = self.get_changeable_quote()
        try:
            result = self.act(quote)
        except (DomainError, ValidationError) as exc:
            messages.error(request, error_text(exc))
            return redirect(quote.get_absolute_url())
        return redirect(result.get_absolute_url() if isinstance(result, Quote)
                        else quote.get_absolute_url())


class QuoteActivateView(_ActionView):
    def act(self, quote):
        quote = services.quote_activate(quote=quote, actor=self.request.user)
        messages.success(self.request, _("Quote %(n)s is active: it can no longer be edited.")
                         % {"n": quote.display_number})
        return quote


class QuoteReviseView(_ActionView):
    def act(self, quote):
        new = services.quote_revise(quote=quote, actor=self.request.user)
        messages.success(self.request, _("Revision %(r)d of %(n)s created as a draft.") % {
            "r": new.revision, "n": new.number})
        return new


class QuoteGetProductsView(_ActionView):
    def act(self, quote):
        lines = services.quote_get_products(quote=quote, actor=self.request.user)
        messages.success(self.request, _("%(n)d line(s) added from the opportunity.") % {
            "n": len(lines)})
        return quote


class QuoteDeleteView(_ActionView):
    def post(self, request, pk):
        quote = self.get_changeable_quote()
        try:
            services.quote_delete(quote=quote, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(quote.get_absolute_url())
        messages.success(request, _("Draft %(n)s deleted.") % {"n": quote.display_number})
        return redirect("quote-list")


class QuoteCloseView(_QuoteMixin, View):
    template_name = "quotes/quote_close.html"

    def get(self, request, pk):
        quote = self.get_changeable_quote()
        return render(request, self.template_name, {"quote": quote, "form": QuoteCloseForm()})

    def post(self, request, pk):
        quote = self.get_changeable_quote()
        form = QuoteCloseForm(request.POST)
        if form.is_valid():
            try:
                services.quote_close(quote=quote, actor=request.user,
                                     reason=form.cleaned_data["reason"],
                                     note=form.cleaned_data["note"])
            except (DomainError, ValidationError) as exc:
                messages.error(request, error_text(exc))
                return redirect(quote.get_absolute_url())
            messages.success(request, _("Quote %(n)s closed.") % {"n": quote.display_number})
            return redirect(quote.get_absolute_url())
        return render(request, self.template_name, {"quote": quote, "form": form}, status=400)


class QuotePdfView(_QuoteMixin, View):
    def get(self, request, pk):
        quote = self.get_quote()
        if quote.status == QuoteStatus.DRAFT:
            messages.error(request, _("Activate the quote to print it: drafts have no PDF."))
            return redirect(quote.get_absolute_url())
        pdf = quote_pdf(quote, list(selectors.quote_lines(quote=quote)))
        response = HttpResponse(pdf, content_type="application/pdf")
        disposition = "attachment" if request.GET.get("download") else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="{quote_pdf_filename(quote)}"'
        return response


class _QuoteFormView(LoginRequiredMixin, View):
    template_name = "quotes/quote_form.html"

    def render_form(self, form, quote=None, status=200):
        return render(self.request, self.template_name, {"form": form, "object": quote},
                      status=status)


class QuoteCreateView(_QuoteFormView):
    def get(self, request):
        initial = {"valid_until": default_valid_until()}
        account_id = request.GET.get("account")
        if account_id and account_id.isdigit():
            initial["account"] = account_id
        return self.render_form(QuoteForm(user=request.user, initial=initial))

    def post(self, request):
        form = QuoteForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            owner = data.pop("owner", None)
            try:
                quote = services.quote_create(actor=request.user, owner=owner, **data)
            except (DomainError, ValidationError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Quote %(n)s created. Add its lines below.") % {
                    "n": quote.number})
                return redirect(quote.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, status=400)


class QuoteUpdateView(_QuoteFormView, _QuoteMixin):
    def get(self, request, pk):
        quote = self.get_changeable_quote()
        if not quote.is_editable:
            messages.error(request, _("Only draft quotes can be edited. Revise it instead."))
            return redirect(quote.get_absolute_url())
        return self.render_form(QuoteForm(instance=quote, user=request.user), quote)

    def post(self, request, pk):
        quote = self.get_changeable_quote()
        # Bind to a fresh copy: a failed ModelForm validation must not touch `quote`.
        form = QuoteForm(request.POST, instance=self.get_quote(), user=request.user)
        if form.is_valid():
            try:
                quote = services.quote_update(quote=quote, actor=request.user,
                                              **form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Quote %(n)s saved.") % {"n": quote.display_number})
                return redirect(quote.get_absolute_url())
        messages.error(request, _("Please correct the errors below."))
        return self.render_form(form, quote, status=400)


def _opportunity_for(request, pk) -> Opportunity:
    opportunity = get_readable_or_404(
        Opportunity.objects.select_related("account", "contact", "owner", "price_list")
        .prefetch_related(Prefetch("lines")), request.user, pk=pk)
    check_can_change(request.user, opportunity)
    return opportunity


class QuoteCreateFromOpportunityView(LoginRequiredMixin, View):
    """Confirm and create a draft quote from an opportunity (copies customer and lines)."""

    template_name = "quotes/quote_from_opportunity.html"

    def render_page(self, opportunity, form, status=200):
        return render(self.request, self.template_name, {
            "opportunity": opportunity, "form": form,
            "existing": selectors.quotes_for_opportunity(opportunity=opportunity,
                                                         user=self.request.user)[:10],
        }, status=status)

    def get(self, request, pk):
        opportunity = _opportunity_for(request, pk)
        form = QuoteFromOpportunityForm(initial={
            "name": opportunity.name, "valid_until": default_valid_until(),
            "payment_terms": "net_30"})
        return self.render_page(opportunity, form)

    def post(self, request, pk):
        opportunity = _opportunity_for(request, pk)
        form = QuoteFromOpportunityForm(request.POST)
        if form.is_valid():
            try:
                data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
                quote = services.quote_create_from_opportunity(
                    opportunity=opportunity, actor=request.user, **data)
            except (DomainError, ValidationError) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Quote %(n)s created from the opportunity.") % {
                    "n": quote.number})
                return redirect(quote.get_absolute_url())
        return self.render_page(opportunity, form, status=400)
