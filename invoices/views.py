from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views import View
from django.views.generic import TemplateView

from crm.common import listing as L
from crm.common.errors import DomainError, error_text
from crm.common.formatting import format_day, format_money
from crm.common.htmx import trigger_record_changed
from crm.common.views import ListPageView
from crm.common.visibility import can_change, check_can_change, get_readable_or_404, is_admin

from . import selectors, services
from .filters import InvoicePageFilter, OrderPageFilter
from .forms import InvoiceLinesForm, NoteForm, OrderFromQuoteForm, OrderLineForm, PaymentForm
from .models import InvoiceStatus, OrderStatus
from .pdf import invoice_pdf, order_confirmation_pdf

# --- Orders -----------------------------------------------------------------------------------


def _account_or_contact_cell(row, page):
    """The account (linked), else the contact's name, else nothing."""
    if row["account_id"] is not None:
        return (f'<a href="{page.url("account-detail", row["account_id"])}">'
                f'{L.esc(row["account__name"])}</a>')
    if row["contact_id"] is not None:
        return L.esc(" ".join(p for p in (row["contact__first_name"], row["contact__last_name"])
                              if p))
    return ""


_CUSTOMER_FIELDS = ("account_id", "account__name", "contact_id", "contact__first_name",
                    "contact__last_name")
_ORDER_PILLS = {OrderStatus.FULFILLED: "pill-ok", OrderStatus.CANCELED: "pill-bad"}
_INVOICE_PILLS = {InvoiceStatus.PAID: "pill-ok", InvoiceStatus.CANCELED: "pill-bad",
                  InvoiceStatus.DRAFT: ""}


def _order_status_cell(row, page):
    """What invoices/_status.html renders for an order."""
    status = row["status"]
    return (f'<span class="pill {_ORDER_PILLS.get(status, "pill-info")}">'
            f'{page.labels(OrderStatus).get(status, "")}</span>')


def _invoice_number_cell(row, page):
    number = row["number"] or _("Draft invoice #%(id)s") % {"id": row["id"]}
    return (f'<a href="{page.url("invoice-detail", row["id"])}">{L.esc(number)}</a>'
            f'<br><span class="muted small">{L.esc(row["order__number"])}</span>')


def _invoice_status_cell(row, page):
    """What invoices/_status.html renders for an invoice (overdue, partially paid)."""
    status = row["status"]
    html = (f'<span class="pill {_INVOICE_PILLS.get(status, "pill-info")}">'
            f'{page.labels(InvoiceStatus).get(status, "")}</span>')
    if row["overdue_flag"]:
        html += f' <span class="pill pill-bad">{L.esc(_("overdue"))}</span>'
    elif row["amount_paid"] and status == InvoiceStatus.ACTIVE:
        html += f' <span class="pill pill-warn">{L.esc(_("partially paid"))}</span>'
    return html


def _invoice_balance_cell(row, page):
    if row["status"] != InvoiceStatus.ACTIVE:
        return "—"
    return L.esc(format_money(row["total"] - row["amount_paid"], row["currency"]))


ORDER_COLUMNS = [
    L.Column("number", _l("Number"), ("number",), L.link("number", "order-detail"),
             sort="number", css="nowrap"),
    L.Column("name", _l("Name"), ("name",), L.text("name"), sort="name"),
    L.Column("customer", _l("Customer"), _CUSTOMER_FIELDS, _account_or_contact_cell,
             sort="customer"),
    L.Column("status", _l("Status"), ("status",), _order_status_cell, sort="status"),
    L.Column("total", _l("Total"), ("total", "currency"), L.money("total", "currency"),
             sort="total", css="num"),
    L.Column("date", _l("Ordered"), ("ordered_on",), L.day("ordered_on"), sort="date",
             css="nowrap"),
    L.person_column("owner", _l("Owner"), sort="owner"),
]

INVOICE_COLUMNS = [
    L.Column("number", _l("Number"), ("number", "order__number"), _invoice_number_cell,
             sort="number", css="nowrap"),
    L.Column("customer", _l("Customer"), _CUSTOMER_FIELDS, _account_or_contact_cell,
             sort="customer"),
    L.Column("status", _l("Status"), ("status", "overdue_flag", "amount_paid"),
             _invoice_status_cell, sort="status"),
    L.Column("issued", _l("Issued"), ("issue_date",), L.day("issue_date"), sort="issued",
             css="nowrap"),
    L.Column("due", _l("Due"), ("due_date",), L.day("due_date"), sort="due", css="nowrap"),
    L.Column("total", _l("Total"), ("total", "currency"), L.money("total", "currency"),
             sort="total", css="num"),
    L.Column("balance", _l("Balance"), ("status", "total", "amount_paid", "currency"),
             _invoice_balance_cell, css="num"),
    L.person_column("owner", _l("Owner"), sort="owner"),
]


_ACCOUNT_COLUMN = L.Column("account", _l("Account"), ("account_id", "account__name"),
                          L.link("account__name", "account-detail", pk="account_id"),
                          sort="customer")
_TEAM_COLUMN = L.Column("team", _l("Owner's team"), ("owner__team__name",),
                        L.text("owner__team__name"))
_CREATED_COLUMN = L.Column("created", _l("Created"), ("created_at",), L.when("created_at"),
                           sort="created", css="nowrap")
ORDER_EXTRA_COLUMNS = (
    _ACCOUNT_COLUMN,
    L.Column("quote", _l("Quote"), ("quote_id", "quote__number"),
             L.link("quote__number", "quote-detail", pk="quote_id")),
    L.Column("opportunity", _l("Opportunity"), ("opportunity_id", "opportunity__topic"),
             L.link("opportunity__topic", "opportunity-detail", pk="opportunity_id")),
    L.Column("currency", _l("Currency"), ("currency",), L.text("currency")),
    _TEAM_COLUMN,
    _CREATED_COLUMN,
)
INVOICE_EXTRA_COLUMNS = (
    _ACCOUNT_COLUMN,
    L.Column("order", _l("Order"), ("order_id", "order__number"),
             L.link("order__number", "order-detail", pk="order_id")),
    L.Column("paid", _l("Paid"), ("amount_paid", "currency"), L.money("amount_paid", "currency"),
             sort="paid", css="num"),
    L.Column("currency", _l("Currency"), ("currency",), L.text("currency")),
    _TEAM_COLUMN,
    _CREATED_COLUMN,
)


class OrderListView(ListPageView):
    template_name = "invoices/order_list.html"
    filterset_class = OrderPageFilter
    search_fields = ("number", "name", "account__name")
    sort_fields = {"number": "number", "name": "name", "customer": "account__name",
                   "status": "status", "total": "total", "owner": "owner__last_name",
                   "date": "ordered_on", "created": "created_at"}
    default_sort = "-created"
    columns = ORDER_COLUMNS
    resource = "orders"
    extra_columns = ORDER_EXTRA_COLUMNS

    def get_base_queryset(self):
        return selectors.order_list(user=self.request.user)


def _order_lines(order) -> list:
    lines = list(selectors.order_lines(order=order))
    invoiced = services.order_invoiced_quantities(order)
    for line in lines:
        line.invoiced_quantity = invoiced.get(line.pk, 0)
    return lines


def _order_lines_context(request, order, *, line_form=None) -> dict:
    """What `invoices/_order_lines.html` (the lines panel and its line editor) shows."""
    editable = can_change(request.user, order) and order.status == OrderStatus.ACTIVE
    lines = _order_lines(order)
    if editable and line_form is None:
        line_form = OrderLineForm(order=order)
    return {"order": order, "lines": lines, "can_edit_lines": editable,
            "can_remove_lines": editable and len(lines) > 1,
            "line_form": line_form if editable else None}


class OrderDetailView(LoginRequiredMixin, TemplateView):
    template_name = "invoices/order_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = selectors.order_get(user=self.request.user, pk=kwargs["pk"])
        ctx.update(_order_lines_context(self.request, order))
        lines = ctx["lines"]
        invoices = list(selectors.order_invoices(order=order))
        editable = can_change(self.request.user, order)
        has_invoice = any(i.status != InvoiceStatus.CANCELED for i in invoices)
        ctx.update(
            object=order, order=order, invoices=invoices, can_change=editable,
            can_fulfill=editable and order.status == OrderStatus.ACTIVE,
            can_cancel=editable and order.status == OrderStatus.ACTIVE and not has_invoice,
            can_invoice=editable and order.status in (OrderStatus.ACTIVE, OrderStatus.FULFILLED)
            and any(line.invoiced_quantity < line.quantity for line in lines),
            fully_invoiced=bool(lines) and all(
                line.invoiced_quantity >= line.quantity for line in lines),
            note_form=NoteForm(),
        )
        return ctx


class _ActionView(LoginRequiredMixin, View):
    """A POST button: load through the scoped selector, call one service, say what happened."""

    def get_object(self):
        raise NotImplementedError

    def act(self, obj):
        raise NotImplementedError

    def post(self, request, pk):
        obj = self.get_object()
        check_can_change(request.user, obj)
        try:
            result = self.act(obj)
        except (DomainError, ValidationError) as exc:
            messages.error(request, error_text(exc))
            return redirect(obj.get_absolute_url())
        messages.success(request, self.success_message(result))
        return redirect(self.success_url(result))

    def success_url(self, result):
        return result.get_absolute_url()


class _OrderActionView(_ActionView):
    def get_object(self):
        return selectors.order_get(user=self.request.user, pk=self.kwargs["pk"])


class OrderFulfillView(_OrderActionView):
    def act(self, order):
        note = NoteForm(self.request.POST)
        note_text = note.cleaned_data["note"] if note.is_valid() else ""
        return services.order_fulfill(order=order, actor=self.request.user, note=note_text)

    def success_message(self, order):
        return _("Order %(number)s is fulfilled.") % {"number": order.number}


class OrderCancelView(_OrderActionView):
    def act(self, order):
        note = NoteForm(self.request.POST)
        note_text = note.cleaned_data["note"] if note.is_valid() else ""
        return services.order_cancel(order=order, actor=self.request.user, note=note_text)

    def success_message(self, order):
        return _("Order %(number)s is canceled.") % {"number": order.number}


class _OrderLinesMixin(LoginRequiredMixin):
    def get_order(self):
        order = selectors.order_get(user=self.request.user, pk=self.kwargs["pk"])
        check_can_change(self.request.user, order)
        return order

    def lines_response(self, order, *, message=None, line_form=None, error=None):
        """htmx: the lines panel (with the form's errors, or refreshed and `record-changed`
        sent so the header follows); a plain post: back to the order with a message."""
        order = selectors.order_get(user=self.request.user, pk=order.pk)
        if self.request.htmx:
            ctx = _order_lines_context(self.request, order, line_form=line_form)
            ctx["lines_error"] = error
            response = render(self.request, "invoices/_order_lines.html", ctx)
            return response if line_form is not None or error else \
                trigger_record_changed(response)
        if error or line_form is not None:
            messages.error(self.request, error or _("The line was not added: %(e)s") % {
                "e": " ".join(str(e) for errs in line_form.errors.values() for e in errs)})
        elif message:
            messages.success(self.request, message)
        return redirect(order.get_absolute_url())


class OrderLineAddView(_OrderLinesMixin, View):
    def post(self, request, pk):
        order = self.get_order()
        form = OrderLineForm(request.POST, order=order)
        if form.is_valid():
            data = form.cleaned_data
            try:
                line = services.order_add_line(
                    order=order, actor=request.user, product=data.get("product"),
                    write_in_name=data.get("write_in_name") or "", quantity=data["quantity"],
                    unit_price=data.get("unit_price"),
                    manual_discount=data.get("manual_discount") or 0,
                    tax_rate=data.get("tax_rate"))
            except (DomainError, ValidationError) as exc:
                fields = getattr(exc, "extra", {}).get("fields") or {}
                for name, errors in fields.items():
                    form.add_error(name if name in form.fields else None, errors)
                if not fields:
                    form.add_error(None, error_text(exc))
            else:
                return self.lines_response(order, message=_("Line “%(name)s” added.") % {
                    "name": line.product_name})
        return self.lines_response(order, line_form=form)


class OrderLineDeleteView(_OrderLinesMixin, View):
    def post(self, request, pk, line_pk):
        order = self.get_order()
        line = get_object_or_404(order.lines.all(), pk=line_pk)
        try:
            services.order_remove_line(line=line, actor=request.user)
        except (DomainError, ValidationError) as exc:
            return self.lines_response(order, error=error_text(exc))
        return self.lines_response(order, message=_("Line “%(name)s” removed.") % {
            "name": line.product_name})


class OrderCreateInvoiceView(LoginRequiredMixin, View):
    """Choose what to invoice (everything left by default) and create the draft invoice."""

    template_name = "invoices/order_create_invoice.html"

    def _setup(self, request, pk):
        order = selectors.order_get(user=request.user, pk=pk)
        check_can_change(request.user, order)
        lines = list(selectors.order_lines(order=order))
        invoiced = services.order_invoiced_quantities(order)
        remaining = {line.pk: line.quantity - invoiced.get(line.pk, 0) for line in lines}
        return order, lines, remaining

    def _render(self, request, order, form, status=200):
        return render(request, self.template_name, {"order": order, "object": order,
                                                    "form": form}, status=status)

    def get(self, request, pk):
        order, lines, remaining = self._setup(request, pk)
        if order.status not in (OrderStatus.ACTIVE, OrderStatus.FULFILLED):
            messages.error(request, _("A %(status)s order cannot be invoiced.") % {
                "status": order.get_status_display().lower()})
            return redirect(order.get_absolute_url())
        return self._render(request, order,
                            InvoiceLinesForm(order_lines=lines, remaining=remaining))

    def post(self, request, pk):
        order, lines, remaining = self._setup(request, pk)
        if request.POST.get("whole") == "1":
            selection = None
        else:
            form = InvoiceLinesForm(request.POST, order_lines=lines, remaining=remaining)
            if not form.is_valid():
                messages.error(request, _("Please correct the quantities below."))
                return self._render(request, order, form, status=400)
            selection = form.selected_lines()
        try:
            invoice = services.invoice_create_from_order(order=order, actor=request.user,
                                                         lines=selection)
        except (DomainError, ValidationError) as exc:
            messages.error(request, error_text(exc))
            if selection is None:
                return redirect(order.get_absolute_url())
            form = InvoiceLinesForm(request.POST, order_lines=lines, remaining=remaining)
            form.is_valid()
            return self._render(request, order, form, status=400)
        messages.success(request, _("Draft invoice created for %(total)s. Check it "
                                    "and issue it to assign its number.") % {
                             "total": format_money(invoice.total, invoice.currency)})
        return redirect(invoice.get_absolute_url())


class OrderPdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        order = selectors.order_get(user=request.user, pk=pk)
        pdf = order_confirmation_pdf(order, list(selectors.order_lines(order=order)))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
        return response


class QuoteCreateOrderView(LoginRequiredMixin, View):
    """"Create order" on an active quote: a confirmation page (GET), then the conversion."""

    template_name = "invoices/quote_create_order.html"

    def _quote(self, request, pk):
        from quotes.models import Quote

        quote = get_readable_or_404(
            Quote.objects.select_related("account", "contact", "opportunity"), request.user,
            pk=pk)
        check_can_change(request.user, quote)
        return quote

    def get(self, request, pk):
        quote = self._quote(request, pk)
        if quote.status != "active":
            messages.error(request, _("Only an active quote can become an order; this quote is "
                                      "%(status)s.") % {"status": quote.get_status_display()})
            return redirect(quote.get_absolute_url())
        return render(request, self.template_name, {
            "quote": quote, "object": quote, "form": OrderFromQuoteForm(),
            "lines": list(quote.lines.order_by("sort_order", "id")),
            "opportunity_open": bool(quote.opportunity_id
                                     and quote.opportunity.status == "open"),
        })

    def post(self, request, pk):
        quote = self._quote(request, pk)
        form = OrderFromQuoteForm(request.POST)
        # The default is to win the opportunity; only an unticked box on the page says no.
        win = True
        if request.POST.get("win_opportunity_shown") and form.is_valid():
            win = form.cleaned_data["win_opportunity"]
        try:
            order = services.order_create_from_quote(quote=quote, actor=request.user,
                                                     win_opportunity=win)
        except (DomainError, ValidationError) as exc:
            messages.error(request, error_text(exc))
            return redirect(quote.get_absolute_url())
        if request.POST.get("win"):  # the quote page's one-step "Win (create order)"
            won = _("Quote %(quote)s won: order %(number)s created.")
            if win and quote.opportunity_id and quote.opportunity.status == "open":
                won = _("Quote %(quote)s won: order %(number)s created and the opportunity "
                        "closed as won.")
            messages.success(request, won % {"number": order.number,
                                             "quote": quote.display_number})
        else:
            messages.success(request, _("Order %(number)s created from quote %(quote)s.") % {
                "number": order.number, "quote": quote.display_number})
        return redirect(order.get_absolute_url())


# --- Invoices ---------------------------------------------------------------------------------


class InvoiceListView(ListPageView):
    template_name = "invoices/invoice_list.html"
    filterset_class = InvoicePageFilter
    search_fields = ("number", "name", "account__name", "order__number")
    sort_fields = {"number": "number", "customer": "account__name", "status": "status",
                   "issued": "issue_date", "due": "due_date", "total": "total",
                   "paid": "amount_paid", "owner": "owner__last_name", "created": "created_at"}
    default_sort = "-created"
    columns = INVOICE_COLUMNS
    resource = "invoices"
    row_fields = ("id", "currency")  # the totals line names the page's currencies
    extra_columns = INVOICE_EXTRA_COLUMNS

    def get_base_queryset(self):
        return selectors.invoice_list(user=self.request.user).with_overdue_flag(
            timezone.localdate())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        queryset = selectors.invoice_list(user=self.request.user)
        filterset = ctx["filterset"]
        if filterset is not None and filterset.is_bound and filterset.is_valid():
            queryset = filterset.qs
        if ctx["query"]:
            queryset = self.apply_search(queryset, ctx["query"])
        today = timezone.localdate()
        summary = selectors.invoice_outstanding_and_overdue(queryset, today)  # one query
        ctx.update(today=today, outstanding=summary["outstanding"],
                   open_count=summary["open_count"], overdue_amount=summary["overdue_amount"],
                   overdue_count=summary["overdue_count"],
                   currencies=sorted({i.currency for i in ctx["object_list"]}))
        return ctx


class InvoiceDetailView(LoginRequiredMixin, TemplateView):
    template_name = "invoices/invoice_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        invoice = kwargs.get("invoice") or selectors.invoice_get(user=self.request.user,
                                                                 pk=kwargs["pk"])
        editable = can_change(self.request.user, invoice)
        today = timezone.localdate()
        payment_form = kwargs.get("payment_form")
        if payment_form is None and invoice.status == InvoiceStatus.ACTIVE:
            payment_form = PaymentForm(invoice=invoice)
        ctx.update(
            object=invoice, invoice=invoice, lines=list(selectors.invoice_lines(invoice=invoice)),
            payments=list(selectors.invoice_payments(invoice=invoice)), can_change=editable,
            payment_form=payment_form if editable else None,
            is_overdue=invoice.is_overdue(today), days_overdue=invoice.days_overdue(today),
            can_issue=editable and invoice.status == InvoiceStatus.DRAFT,
            can_cancel=editable and invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.ACTIVE)
            and invoice.amount_paid == 0,
        )
        return ctx


class _InvoiceActionView(_ActionView):
    def get_object(self):
        return selectors.invoice_get(user=self.request.user, pk=self.kwargs["pk"])


class InvoiceIssueView(_InvoiceActionView):
    def act(self, invoice):
        return services.invoice_issue(invoice=invoice, actor=self.request.user)

    def success_message(self, invoice):
        return _("Invoice %(number)s issued, due %(due)s.") % {
            "number": invoice.number, "due": format_day(invoice.due_date)}


class InvoiceCancelView(_InvoiceActionView):
    def act(self, invoice):
        note = NoteForm(self.request.POST)
        note_text = note.cleaned_data["note"] if note.is_valid() else ""
        return services.invoice_cancel(invoice=invoice, actor=self.request.user, note=note_text)

    def success_message(self, invoice):
        return _("Invoice %(number)s is canceled.") % {"number": invoice.display_number}


class InvoicePaymentView(LoginRequiredMixin, View):
    """Record a payment from the invoice page. In place (htmx): the payments panel comes back
    with the payment listed, or with the form's errors and what was typed; a recorded payment
    also sends `record-changed`, so the header (status), totals and details refresh. Without
    htmx: back to the page with a message, or the page with the form's errors (400)."""

    def post(self, request, pk):
        invoice = selectors.invoice_get(user=request.user, pk=pk)
        check_can_change(request.user, invoice)
        form = PaymentForm(request.POST, invoice=invoice)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.invoice_record_payment(
                    invoice=invoice, amount=data["amount"], actor=request.user,
                    date=data["date"], reference=data["reference"],
                    idempotency_key=data["idempotency_key"] or None,
                )
            except (DomainError, ValidationError) as exc:
                fields = getattr(exc, "extra", {}).get("fields", {})
                for name, errors in fields.items():
                    form.add_error(name if name in form.fields else None, errors)
                if not fields:
                    form.add_error(None, error_text(exc))
            else:
                invoice.refresh_from_db()
                if invoice.status == InvoiceStatus.PAID:
                    notice = _("Payment of %(amount)s recorded: the invoice is paid in full.") % {
                        "amount": format_money(payment.amount, invoice.currency)}
                else:
                    notice = _("Payment of %(amount)s recorded. Balance due: %(balance)s.") % {
                        "amount": format_money(payment.amount, invoice.currency),
                        "balance": format_money(invoice.balance, invoice.currency)}
                if request.htmx:
                    return trigger_record_changed(
                        self._panel(request, invoice, payment_notice=notice))
                messages.success(request, notice)
                return redirect(invoice.get_absolute_url())
        if request.htmx:
            return self._panel(request, invoice, payment_form=form)
        messages.error(request, _("The payment was not recorded: please correct the errors."))
        view = InvoiceDetailView()
        view.setup(request, pk=pk)
        ctx = view.get_context_data(pk=pk, invoice=invoice, payment_form=form)
        return render(request, InvoiceDetailView.template_name, ctx, status=400)

    def _panel(self, request, invoice, **extra):
        view = InvoiceDetailView()
        view.setup(request, pk=invoice.pk)
        ctx = view.get_context_data(pk=invoice.pk, invoice=invoice, **extra)
        return render(request, "invoices/_payments.html", ctx)


class InvoicePdfView(LoginRequiredMixin, View):
    def get(self, request, pk):
        invoice = selectors.invoice_get(user=request.user, pk=pk)
        pdf = invoice_pdf(invoice, list(selectors.invoice_lines(invoice=invoice)))
        response = HttpResponse(pdf, content_type="application/pdf")
        name = invoice.number or f"invoice-draft-{invoice.pk}"
        response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
        return response


class ARAgingView(LoginRequiredMixin, TemplateView):
    """Accounts-receivable aging for managers (their team and everyone below them) and admins."""

    template_name = "invoices/ar_aging.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (is_admin(user) or user.role == "manager"):
            raise PermissionDenied(_("The receivables aging report is for managers."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        report = selectors.ar_aging(user=self.request.user, today=timezone.localdate())
        ctx.update(report=report, rows=report["rows"], totals=report["totals"],
                   buckets=report["buckets"])
        return ctx

