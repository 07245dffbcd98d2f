from django.apps import AppConfig
from django.db.models.signals import post_save

from crm.common.registries import DetailPanel, register_panel


class AssistantConfig(AppConfig):
    name = "crm.assistant"
    label = "assistant"
    verbose_name = "Relationship assistant"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        from . import views
        from .models import AssistantSettings
        from .signals import settings_saved

        # The card strip on every record's detail page.
        register_panel("*", DetailPanel(name="assistant", template_name="assistant/_record_cards.html",
                                        context=views.record_cards_panel, column="top", order=10))
        post_save.connect(settings_saved, sender=AssistantSettings,
                          dispatch_uid="assistant_settings_saved")
