from django.apps import AppConfig

from crm.common.registries import DetailPanel, register_panel


class CardscanConfig(AppConfig):
    name = "crm.cardscan"
    label = "cardscan"
    verbose_name = "Business card scanner"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        # `tasks` registers the Celery tasks the services queue by name.
        from . import tasks  # noqa: F401
        from .panels import card_panel_context

        # The kept card picture on the records a scan created (the lead type is registered by
        # name only: the core never imports the leads app).
        for record_type in ("contact", "lead"):
            register_panel(record_type, DetailPanel(
                name="business_card", template_name="cardscan/_record_card_panel.html",
                context=card_panel_context, order=80, column="side",
            ))
