"""Reads for the settings pages and the API (admins only: the views check that)."""

from .models import Rule, RuleRun, Webhook, WebhookDelivery


def webhook_list():
    return Webhook.objects.select_related("created_by").order_by("id")


def delivery_list(*, webhook):
    return (WebhookDelivery.objects.filter(webhook=webhook).select_related("event")
            .order_by("-id"))


def rule_list():
    return Rule.objects.select_related("created_by").order_by("position", "id")


def run_list(*, rule):
    return RuleRun.objects.filter(rule=rule).select_related("event").order_by("-id")
