from django.apps import AppConfig

from crm.common.registries import register_list_page_hooks
from crm.common.versions import watch


class ListViewsConfig(AppConfig):
    name = "crm.listviews"
    label = "listviews"
    verbose_name = "Saved list views"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: models (and modules importing them) load only once
        # the app registry is ready.
        # (`tasks` registers the Celery tasks the export jobs queue by name.)
        from . import tasks  # noqa: F401
        from .apply import apply_view
        from .menu import view_menu
        from .models import DefaultView, SavedView
        from .selectors import chosen_columns

        watch(SavedView)
        watch(DefaultView)
        register_list_page_hooks(chosen_columns=chosen_columns, apply_view=apply_view,
                                 view_menu=view_menu)
