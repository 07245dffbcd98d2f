from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "crm.insights"
    label = "insights"
