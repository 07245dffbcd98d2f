from django.apps import AppConfig

from . import registry


class MailConfig(AppConfig):
    name = "crm.mail"
    label = "mail"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        from crm.activities.panels import register_timeline_entry_hook

        from .display import decorate_timeline

        registry.autodiscover()
        # mail-send: email entries on timelines show their message and thread (display.py).

        register_timeline_entry_hook(decorate_timeline)
