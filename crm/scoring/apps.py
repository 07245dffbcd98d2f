from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.module_loading import autodiscover_modules

from crm.common.versions import watch


class ScoringConfig(AppConfig):
    name = "crm.scoring"
    label = "scoring"
    verbose_name = "Lead and opportunity scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        from crm.activities.models import Activity
        from crm.automation.models import OutgoingEvent

        from . import insights, receivers  # noqa: F401  (insights: the admin home's line)
        from .models import ScoringSwitch

        watch(ScoringSwitch)  # scoring_enabled() is cached until the switch changes

        # leads/scoring.py and opportunities/scoring.py register their features (the core
        # never imports the pipeline apps by name).
        autodiscover_modules("scoring")
        post_save.connect(receivers.outgoing_event_saved, sender=OutgoingEvent,
                          dispatch_uid="scoring-outgoing-event")
        post_save.connect(receivers.activity_saved, sender=Activity,
                          dispatch_uid="scoring-activity")
