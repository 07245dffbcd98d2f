from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "crm.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self):
        from crm.common.registries import register_event_listener

        from .outbox import write_outgoing_event

        register_event_listener("automation.outbox", write_outgoing_event)
