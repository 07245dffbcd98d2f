from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "crm.mail"
    label = "mail"
    verbose_name = "Email"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import registry

        registry.autodiscover()
        # mail-send: email entries on timelines show their message and thread (display.py).
        from crm.activities.panels import register_timeline_entry_hook

        from .display import decorate_timeline

        register_timeline_entry_hook(decorate_timeline)
