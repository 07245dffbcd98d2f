from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "crm.common"
    label = "common"
    verbose_name = "Common"

    def ready(self):
        from . import registries

        registries.autodiscover()
        from django.contrib.auth import get_user_model

        from .versions import watch

        watch(get_user_model())  # the owner filters' cached choices (crm.common.views)
