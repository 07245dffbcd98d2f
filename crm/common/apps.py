from django.apps import AppConfig
from django.contrib.auth import get_user_model

from . import registries
from .versions import watch


class CommonConfig(AppConfig):
    name = "crm.common"
    label = "common"
    verbose_name = "Common"

    def ready(self):
        registries.autodiscover()
        watch(get_user_model())  # the owner filters' cached choices (crm.common.views)
        from django.db.backends.signals import connection_created

        from .versions import install_write_tracking

        # every write bumps its table's version (cache keys of list pages and derived data)
        connection_created.connect(install_write_tracking, dispatch_uid="tblver-writes")
