"""Email pages of the core: mailbox settings (test connection, sync now), queue mailboxes
(admins), the "Unlinked" list with link/untrack, and the never-track list."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.common.queue import publish
from crm.common.registries import record_types, search_providers
from crm.common.visibility import is_admin

from . import selectors, services
from .forms import LinkForm, MailboxForm, NeverTrackForm
from .linking import LINKABLE_TYPES
from .models import Mailbox, MailboxKind
from .tasks import sync_mailbox

UNLINKED_PAGE_SIZE = 50


def _save_mailbox(request, form, mailbox, kind):
    data = {k: v for k, v in form.cleaned_data.items() if k != "password"}
    try:
        return services.mailbox_save(actor=request.user, mailbox=mailbox, kind=kind,
                                     password=form.cleaned_data.get("password") or None, **data)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
    return None


class _MailboxFormView(LoginRequiredMixin, View):
    template_name = "mail/mailbox_form.html"

    def get_mailbox(self):
        raise NotImplementedError

    def kind(self, mailbox):
        return mailbox.kind if mailbox else MailboxKind.PERSONAL

    def render_page(self, form, mailbox, test_result=None, status=200):
        return render(self.request, self.template_name, {
            "form": form, "mailbox": mailbox, "test_result": test_result,
            "kind": self.kind(mailbox), "is_queue": self.kind(mailbox) == MailboxKind.QUEUE,
        }, status=status)

    def get(self, request, *args, **kwargs):
        mailbox = self.get_mailbox()
        return self.render_page(MailboxForm(instance=mailbox), mailbox)

    def post(self, request, *args, **kwargs):
        mailbox = self.get_mailbox()
        form = MailboxForm(request.POST, instance=mailbox or Mailbox())
        if form.is_valid():
            saved = _save_mailbox(request, form, mailbox, self.kind(mailbox))
            if saved is not None:
                messages.success(request, _("Mailbox %(address)s saved.") % {
                    "address": saved.address})
                return redirect("mailbox-detail", saved.pk)
        messages.error(request, _("Please correct the errors below."))
        return self.render_page(form, mailbox, status=400)


class MailboxSettingsView(_MailboxFormView):
    """The user's own mailbox: connect it, or change it."""

    def get_mailbox(self):
        return selectors.personal_mailbox(self.request.user)

    def get(self, request, *args, **kwargs):
        mailbox = self.get_mailbox()
        if mailbox is not None:
            return redirect("mailbox-detail", mailbox.pk)
        return super().get(request, *args, **kwargs)


class MailboxDetailView(_MailboxFormView):
    def get_mailbox(self):
        return selectors.mailbox_get(user=self.request.user, pk=self.kwargs["pk"])


class QueueMailboxCreateView(_MailboxFormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_mailbox(self):
        return None

    def kind(self, mailbox):
        return MailboxKind.QUEUE


class MailboxListView(LoginRequiredMixin, TemplateView):
    template_name = "mail/mailbox_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["mailboxes"] = selectors.mailbox_list(user=self.request.user).order_by("kind", "id")
        ctx["can_add_queue"] = is_admin(self.request.user)
        ctx["personal"] = selectors.personal_mailbox(self.request.user)
        return ctx


class MailboxTestView(LoginRequiredMixin, View):
    def post(self, request, pk):
        mailbox = selectors.mailbox_get(user=request.user, pk=pk)
        result = services.mailbox_test_connection(mailbox=mailbox)
        view = MailboxDetailView()
        view.request, view.kwargs = request, {"pk": pk}
        return view.render_page(MailboxForm(instance=mailbox), mailbox, test_result=result)


class MailboxSyncView(LoginRequiredMixin, View):
    def post(self, request, pk):
        mailbox = selectors.mailbox_get(user=request.user, pk=pk)
        publish(sync_mailbox, mailbox.pk)
        messages.success(request, _("Sync started for %(address)s.") % {
            "address": mailbox.address})
        return redirect("mailbox-detail", mailbox.pk)


class MailboxDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        mailbox = selectors.mailbox_get(user=request.user, pk=pk)
        services.mailbox_delete(actor=request.user, mailbox=mailbox)
        messages.success(request, _("Mailbox %(address)s removed.") % {
            "address": mailbox.address})
        return redirect("mailbox-list")


class UnlinkedView(LoginRequiredMixin, TemplateView):
    """The user's tracked messages that regard no record: link each by hand, or untrack it."""

    template_name = "mail/unlinked.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            page = max(1, int(self.request.GET.get("page", 1)))
        except ValueError:
            page = 1
        start = (page - 1) * UNLINKED_PAGE_SIZE
        rows = list(selectors.unlinked_list(user=self.request.user)
                    .only("pk", "subject", "from_address", "from_name", "to", "sent_at",
                          "direction", "thread_id")[start:start + UNLINKED_PAGE_SIZE + 1])
        ctx["emails"] = rows[:UNLINKED_PAGE_SIZE]
        ctx["page"] = page
        ctx["has_next"] = len(rows) > UNLINKED_PAGE_SIZE
        ctx["link_form"] = kwargs.get("link_form") or LinkForm()
        ctx["failed_id"] = kwargs.get("failed_id")
        return ctx


class LinkRecordSearchView(LoginRequiredMixin, TemplateView):
    """htmx: the records matching what the user typed, to pick one to link a message to.

    Uses the global search providers, so it finds exactly the records the user may read."""

    template_name = "mail/_link_search_results.html"
    per_type = 5

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        term = (self.request.GET.get("q") or "").strip()[:100]
        results = []
        if len(term) >= 2:
            for provider in sorted(search_providers.values(), key=lambda p: p.order):
                for record in provider.search(self.request.user, term, self.per_type):
                    try:
                        record_type = record_types.for_model(type(record))
                    except KeyError:  # a searchable kind no message can regard
                        continue
                    if record_type.name in LINKABLE_TYPES:
                        results.append({"value": f"{record_type.name}:{record.pk}",
                                        "type_label": record_type.verbose_name,
                                        "title": record_type.title(record)})
        ctx.update(query=term, results=results, email_id=self.request.GET.get("email", ""))
        return ctx


class EmailLinkView(LoginRequiredMixin, View):
    def post(self, request, pk):
        message = selectors.email_get(user=request.user, pk=pk)
        form = LinkForm(request.POST)
        if form.is_valid():
            try:
                services.message_link(message=message,
                                      record_type=form.cleaned_data["regarding_type"],
                                      record_id=form.cleaned_data["regarding_id"],
                                      actor=request.user)
            except Http404:
                form.add_error("regarding_id", _("No such record, or you may not read it."))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Email “%(subject)s” linked.") % {
                    "subject": message.subject or "—"})
                return redirect(request.POST.get("next") or "mail-unlinked")
        view = UnlinkedView()
        view.setup(request)
        return render(request, view.template_name,
                      view.get_context_data(link_form=form, failed_id=message.pk), status=400)


class EmailUntrackView(LoginRequiredMixin, View):
    def post(self, request, pk):
        message = selectors.email_get(user=request.user, pk=pk)
        services.message_untrack(message=message, actor=request.user)
        messages.success(request, _("Email “%(subject)s” removed from the CRM.") % {
            "subject": message.subject or "—"})
        return redirect(request.POST.get("next") or "mail-unlinked")


class EmailDetailView(LoginRequiredMixin, View):
    """Where assistant cards about a message lead: the message on its own page, with a link
    to the record it regards (the thread itself is on that record's timeline)."""

    def get(self, request, pk):
        message = selectors.email_get(user=request.user, pk=pk)
        return redirect(reverse("mail-message-body", args=[message.pk]))


class NeverTrackView(LoginRequiredMixin, View):
    template_name = "mail/never_track.html"

    def _render(self, form, status=200):
        return render(self.request, self.template_name, {
            "form": form, "entries": selectors.never_track_list(user=self.request.user)},
            status=status)

    def get(self, request):
        return self._render(NeverTrackForm())

    def post(self, request):
        form = NeverTrackForm(request.POST)
        if form.is_valid():
            try:
                entry = services.never_track_add(actor=request.user,
                                                 pattern=form.cleaned_data["pattern"])
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    form.add_error("pattern", errors)
            else:
                messages.success(request, _("Mail with %(pattern)s will not be tracked.") % {
                    "pattern": entry.pattern})
                return redirect("mail-never-track")
        return self._render(form, status=400)


class NeverTrackDeleteView(LoginRequiredMixin, View):
    def post(self, request, pk):
        entry = get_object_or_404(selectors.never_track_list(user=request.user), pk=pk)
        services.never_track_remove(actor=request.user, entry=entry)
        return redirect("mail-never-track")
