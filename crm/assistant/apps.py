from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "crm.assistant"
    label = "assistant"
    verbose_name = "Relationship assistant"

    def ready(self):
        from django.db.models.signals import post_save

        from crm.common.registries import DetailPanel, register_panel

        from . import views
        from .models import AssistantSettings

        # The card strip on every record's detail page.
        register_panel("*", DetailPanel(name="assistant", template_name="assistant/_record_cards.html",
                                        context=views.record_cards_panel, column="top", order=10))
        post_save.connect(_settings_saved, sender=AssistantSettings,
                          dispatch_uid="assistant_settings_saved")


def _settings_saved(sender, instance, **kwargs):
    """New thresholds apply to every record: run a full scan once the change commits."""
    from crm.common.queue import enqueue_on_commit

    from .tasks import full_scan

    enqueue_on_commit(full_scan)
