"""HTML for the assistant: the "My assistant" page, dismiss/snooze (htmx or plain forms), the
home-page panel, the card strip on record pages and the navigation badge."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from crm.common.errors import DomainError
from crm.common.formatting import format_when
from crm.common.registries import record_types
from crm.common.views import ListPageView, safe_next_url

from . import selectors, services
from .filters import CardFilter
from .forms import SnoozeForm
from .models import Card

HOME_PANEL_LIMIT = 5
HX_TRIGGER = "assistant-changed"


class CardListView(ListPageView):
    """"My assistant": every card of the caller, to do now by default."""

    template_name = "assistant/card_list.html"
    filterset_class = CardFilter
    search_fields = ("title", "body")
    sort_fields = {"priority": "priority", "due_date": "due_date", "kind": "kind",
                   "title": "title"}
    default_sort = "priority"

    def get_base_queryset(self):
        qs = Card.objects.filter(user=self.request.user)
        if not self.request.GET.get("show"):
            qs = qs.visible()
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["snooze_form"] = SnoozeForm()
        return ctx


class CardActionView(LoginRequiredMixin, View):
    http_method_names = ["post"]
    form = None  # the snooze form, shown again with its error

    def post(self, request, pk):
        card = selectors.card_get(user=request.user, pk=pk)
        try:
            message = self.act(card)
        except DomainError as exc:
            if request.htmx:
                return render(request, "assistant/_card.html",
                              {"card": card, "error": exc.message,
                               "snooze_form": self.form})
            messages.error(request, exc.message)
            return redirect(safe_next_url(request, "assistant-cards", referer=True))
        if request.htmx:
            # The card leaves the list; the badge listens for the trigger and recounts.
            response = HttpResponse("")
            response["HX-Trigger"] = HX_TRIGGER
            return response
        messages.success(request, message)
        return redirect(safe_next_url(request, "assistant-cards", referer=True))


class CardDismissView(CardActionView):
    def act(self, card):
        services.card_dismiss(card=card, actor=self.request.user)
        return _("Card dismissed: %(title)s") % {"title": card.title}


class CardSnoozeView(CardActionView):
    def act(self, card):
        self.form = SnoozeForm(self.request.POST)
        if not self.form.is_valid():
            raise DomainError(" ".join(e for errs in self.form.errors.values() for e in errs))
        card = services.card_snooze(card=card, actor=self.request.user,
                                    until=self.form.cleaned_data.get("until"))
        return _("Snoozed until %(when)s: %(title)s") % {
            "when": format_when(card.snoozed_until), "title": card.title}


class HomePanelView(LoginRequiredMixin, TemplateView):
    """The home panel alone, for its htmx "show more" button."""

    template_name = "assistant/_home_panel.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            limit = max(1, min(int(self.request.GET.get("limit", HOME_PANEL_LIMIT)), 100))
        except ValueError:
            limit = HOME_PANEL_LIMIT
        ctx["assistant_limit"] = limit
        return ctx


class BadgeView(LoginRequiredMixin, View):
    def get(self, request):
        return render(request, "assistant/_nav_badge.html",
                      {"assistant_count": selectors.card_count(user=request.user)})


def record_cards_panel(request, obj):
    """Context of the card strip on a record's detail page (hidden when there is none)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        record_type = record_types.for_model(type(obj)).name
    except KeyError:
        return None
    cards = selectors.cards_for_record(user=user, record_type=record_type, record_id=obj.pk)
    if not cards:
        return None
    return {"cards": cards, "snooze_form": SnoozeForm()}
