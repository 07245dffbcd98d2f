from django.apps import AppConfig


class ListViewsConfig(AppConfig):
    name = "crm.listviews"
    label = "listviews"
    verbose_name = "Saved list views"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.common.versions import watch

        from .models import DefaultView, SavedView

        watch(SavedView)
        watch(DefaultView)
