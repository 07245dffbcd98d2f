from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "crm.activities"
    label = "activities"
    verbose_name = "Activities"

    def ready(self):
        from crm.common.registries import DetailPanel, register_panel

        from . import receivers
        from .panels import timeline_panel_context

        receivers.connect()
        register_panel("*", DetailPanel(
            name="timeline", template_name="activities/_timeline_panel.html",
            context=timeline_panel_context, column="main", order=50,
        ))
