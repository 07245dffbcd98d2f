from django.apps import AppConfig

from crm.common.registries import DetailPanel, register_panel


class ActivitiesConfig(AppConfig):
    name = "crm.activities"
    label = "activities"
    verbose_name = "Activities"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        from . import receivers
        from .panels import timeline_panel_context

        receivers.connect()
        register_panel("*", DetailPanel(
            name="timeline", template_name="activities/_timeline_panel.html",
            context=timeline_panel_context, column="main", order=50,
        ))
