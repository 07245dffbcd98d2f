"""Reads for the settings pages and the API (admins only: the views check that)."""

from django.db.models import QuerySet

from .models import Rule, RuleRun, Webhook, WebhookDelivery


def webhook_list() -> QuerySet[Webhook]:
    return Webhook.objects.select_related("created_by").order_by("id")


def delivery_list(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    return (WebhookDelivery.objects.filter(webhook=webhook).select_related("event")
            .order_by("-id"))


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.select_related("created_by").order_by("position", "id")


def run_list(*, rule: Rule) -> QuerySet[RuleRun]:
    return RuleRun.objects.filter(rule=rule).select_related("event").order_by("-id")
