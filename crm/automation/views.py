"""Settings pages for admins: webhooks (with their deliveries) and automation rules."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm.common.registries import record_types
from crm.common.visibility import get_readable_or_404, is_admin

from . import selectors, services
from .forms import RuleCreateForm, RuleForm, RuleTestForm, WebhookForm
from .models import Rule, Webhook, WebhookDelivery

PAGE = 50


class AdminOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_admin(request.user):
            raise PermissionDenied(_("Only admins can manage automation."))
        return super().dispatch(request, *args, **kwargs)


def _errors_to_form(form, exc: ValidationError, mapping=None) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = (mapping or {}).get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class WebhookListView(AdminOnlyMixin, View):
    def get(self, request):
        return render(request, "automation/webhook_list.html",
                      {"webhooks": list(selectors.webhook_list())})


class WebhookCreateView(AdminOnlyMixin, View):
    def get(self, request):
        return render(request, "automation/webhook_form.html", {"form": WebhookForm()})

    def post(self, request):
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                webhook = services.webhook_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect(webhook.get_absolute_url())
        return render(request, "automation/webhook_form.html", {"form": form}, status=400)


class WebhookDetailView(AdminOnlyMixin, View):
    def context(self, webhook, form):
        deliveries = list(selectors.delivery_list(webhook=webhook)[:PAGE])
        return {"object": webhook, "form": form, "deliveries": deliveries}

    def get(self, request, pk):
        webhook = get_object_or_404(Webhook, pk=pk)
        form = WebhookForm(initial=WebhookForm.initial_for(webhook))
        return render(request, "automation/webhook_detail.html", self.context(webhook, form))

    def post(self, request, pk):
        webhook = get_object_or_404(Webhook, pk=pk)
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                services.webhook_update(webhook=webhook, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect(webhook.get_absolute_url())
        return render(request, "automation/webhook_detail.html", self.context(webhook, form),
                      status=400)


class WebhookDeleteView(AdminOnlyMixin, View):
    def post(self, request, pk):
        webhook = get_object_or_404(Webhook, pk=pk)
        services.webhook_delete(webhook=webhook, actor=request.user)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhook-list")


class DeliveryRedeliverView(AdminOnlyMixin, View):
    def post(self, request, pk, delivery_pk):
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, webhook_id=pk)
        services.delivery_redeliver(delivery=delivery, actor=request.user)
        messages.success(request, _("Delivery queued again."))
        return redirect("webhook-detail", pk=pk)


class RuleListView(AdminOnlyMixin, View):
    def get(self, request):
        return render(request, "automation/rule_list.html",
                      {"rules": list(selectors.rule_list()), "form": RuleCreateForm()})


class RuleCreateView(AdminOnlyMixin, View):
    def get(self, request):
        return render(request, "automation/rule_create.html", {"form": RuleCreateForm()})

    def post(self, request):
        form = RuleCreateForm(request.POST)
        if form.is_valid():
            try:
                rule = services.rule_create(actor=request.user, active=False,
                                            **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Rule created (inactive): add its conditions and "
                                            "actions."))
                return redirect(rule.get_absolute_url())
        return render(request, "automation/rule_create.html", {"form": form}, status=400)


class RuleDetailView(AdminOnlyMixin, View):
    def context(self, request, rule, form):
        test_form = RuleTestForm(request.GET if "record_id" in request.GET else None)
        test = None
        if test_form.is_bound and test_form.is_valid():
            rt = record_types.get(rule.record_type)
            try:
                record = get_readable_or_404(rt.model.objects.all(), request.user,
                                             owner_field=rt.owner_field,
                                             visibility=rt.visibility,
                                             pk=test_form.cleaned_data["record_id"])
            except Http404:
                test_form.add_error("record_id", _("No such record."))
            else:
                test = {"record": record, **services.rule_test(rule=rule, record=record)}
        return {"object": rule, "form": form, "runs": list(selectors.run_list(rule=rule)[:PAGE]),
                "test_form": test_form, "test": test}

    def get(self, request, pk):
        rule = get_object_or_404(Rule, pk=pk)
        form = RuleForm(initial=RuleForm.initial_for(rule), record_type=rule.record_type)
        return render(request, "automation/rule_detail.html", self.context(request, rule, form))

    def post(self, request, pk):
        rule = get_object_or_404(Rule, pk=pk)
        form = RuleForm(request.POST, record_type=rule.record_type)
        if form.is_valid():
            try:
                services.rule_update(rule=rule, actor=request.user, **form.rule_data())
            except ValidationError as exc:
                _errors_to_form(form, exc, {
                    "conditions": "conditions_json" if form.conditions_as_json else None,
                    "actions": None})
            else:
                messages.success(request, _("Rule saved."))
                return redirect(rule.get_absolute_url())
        return render(request, "automation/rule_detail.html", self.context(request, rule, form),
                      status=400)


class RuleDeleteView(AdminOnlyMixin, View):
    def post(self, request, pk):
        rule = get_object_or_404(Rule, pk=pk)
        services.rule_delete(rule=rule, actor=request.user)
        messages.success(request, _("Rule deleted."))
        return redirect("automation-rule-list")
