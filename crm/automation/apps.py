from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from crm.common.changes import register_change_listener
from crm.common.registries import register_event_listener


class AutomationConfig(AppConfig):
    name = "crm.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        # `tasks` registers the Celery tasks the services queue by name.
        from . import tasks  # noqa: F401
        from .changes import emit_change
        from .outbox import write_outgoing_event

        register_event_listener("automation.outbox", write_outgoing_event)
        register_change_listener("automation.outbox", emit_change)
