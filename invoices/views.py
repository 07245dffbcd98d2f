from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.common.errors import DomainError
from crm.common.formatting import format_day, format_money
from crm.common.views import ListPageView
from crm.common.visibility import can_change, check_can_change, get_readable_or_404, is_admin

from . import selectors, services
from .filters import InvoicePageFilter, OrderPageFilter
from .forms import InvoiceLinesForm, NoteForm, OrderFromQuoteForm, PaymentForm
from .models import InvoiceStatus, OrderStatus
from .pdf import invoice_pdf, order_confirmation_pdf


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return getattr(exc, "message", None) or str(exc)


# --- Orders -----------------------------------------------------------------------------------


class OrderListView(ListPageView):
    template_name = "invoices/order_list.html"
    filterset_class = OrderPageFilter
    search_fields = ("number", "name", "account__name")
    sort_fields = {"number": "number", "name": "name", "customer": "account__name",
                   "status": "status", "total": "total", "owner": "owner__last_name",
                   "date": "ordered_on", "created": "created_at"}
    default_sort = "-created"

    def get_base_queryset(self):
        return selectors.order_list(user=self.request.user)


class OrderDetailView(LoginRequiredMixin, TemplateView):
    template_name = "invoices/order_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = selectors.order_get(user=self.request.user, pk=kwargs["pk"])
        lines = list(selectors.order_lines(order=order))
        invoiced = services.order_invoiced_quantities(order)
        for line in lines:
            line.invoiced_quantity = invoiced.get(line.pk, 0)
        invoices = list(selectors.order_invoices(order=order))
        editable = can_change(self.request.user, order)
        has_invoice = any(i.status != InvoiceStatus.CANCELED for i in invoices)
        ctx.update(
            object=order, order=order, lines=lines, invoices=invoices, can_change=editable,
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
            messages.error(request, _error_text(exc))
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
            messages.error(request, _error_text(exc))
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
            messages.error(request, _error_text(exc))
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
        summary = selectors.invoice_outstanding_total(queryset)
        overdue = selectors.invoice_outstanding_total(queryset.overdue(today))
        ctx.update(today=today, outstanding=summary["outstanding"],
                   open_count=summary["open_count"], overdue_amount=overdue["outstanding"],
                   overdue_count=overdue["open_count"],
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
    """Record a payment from the invoice page; errors come back on the form, typed values kept."""

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
                    form.add_error(None, _error_text(exc))
            else:
                # A fresh read, not refresh_from_db(): django-fsm's refresh_from_db flips the
                # shared field's `protected` flag and is not safe in a threaded server.
                invoice = type(invoice)._default_manager.get(pk=invoice.pk)
                if invoice.status == InvoiceStatus.PAID:
                    messages.success(request, _("Payment of %(amount)s recorded: the invoice is "
                                                "paid in full.") % {
                        "amount": format_money(payment.amount, invoice.currency)})
                else:
                    messages.success(request, _("Payment of %(amount)s recorded. Balance due: "
                                                "%(balance)s.") % {
                        "amount": format_money(payment.amount, invoice.currency),
                        "balance": format_money(invoice.balance, invoice.currency)})
                return redirect(invoice.get_absolute_url())
        messages.error(request, _("The payment was not recorded: please correct the errors."))
        view = InvoiceDetailView()
        view.setup(request, pk=pk)
        ctx = view.get_context_data(pk=pk, invoice=invoice, payment_form=form)
        return render(request, InvoiceDetailView.template_name, ctx, status=400)


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

