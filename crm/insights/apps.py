from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "crm.insights"
    label = "insights"

    def ready(self):
        from . import dashboards  # noqa: F401  (registers the shipped dashboards)
