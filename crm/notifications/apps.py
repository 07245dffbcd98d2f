from django.apps import AppConfig

from crm.common.registries import DetailPanel, register_event_listener, register_panel


class NotificationsConfig(AppConfig):
    name = "crm.notifications"
    label = "notifications"
    verbose_name = "Collaboration and notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        # `tasks` registers the Celery tasks the services queue by name.
        from crm.activities.panels import register_timeline_entry_hook
        from crm.assistant.digest import DigestSection, register_digest_section

        from . import services, tasks, views  # noqa: F401

        register_event_listener("notifications", services.on_event)
        # Cached list pages show the bell's count: a page stored with another count is stale.
        from crm.common.pagecache import VARY_KEYS

        VARY_KEYS.append(lambda request: services.unread_cache_key(request.user.pk))
        # Posts on the timeline (with their replies), follow button on every record.
        register_timeline_entry_hook(views.decorate_timeline)
        register_panel("*", DetailPanel(name="follow", template_name="notifications/_follow.html",
                                        context=views.follow_panel_context, column="side",
                                        order=5))
        # The daily summary of notifications rides in the assistant's digest.
        register_digest_section(DigestSection(
            name="notifications", template_prefix="notifications/email/digest_section",
            user_ids=services.digest_user_ids, collect=services.digest_section,
            sent=services.digest_sent))
