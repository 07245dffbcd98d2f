from django.apps import AppConfig

# The shipped dashboards register themselves when imported; every view relies on it.
from . import dashboards  # noqa: F401


class InsightsConfig(AppConfig):
    name = "crm.insights"
    label = "insights"
