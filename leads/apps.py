from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.activities.signals import activity_completed
        from crm.common.registries import RecordType, SearchProvider, record_types, register_search

        from . import receivers, selectors

        record_types.register(RecordType(
            name="lead", model_label="leads.Lead", verbose_name=_("Lead"), url_name="lead-detail",
            # Once qualified, the lead's activities and notes also show on the opportunity.
            parents=lambda lead: (
                [("opportunity", lead.qualifying_opportunity_id)]
                if lead.qualifying_opportunity_id else []
            ),
            title=lambda lead: lead.display_name,
        ))
        register_search(SearchProvider("leads", "Leads", selectors.lead_search, order=20))

        from crm.common.registries import DetailPanel, register_panel

        from . import panels

        register_panel("account", DetailPanel(
            "leads", "leads/_account_panel.html", panels.account_leads, order=30, column="side"))
        # Four rule lookups: loaded after the lead page's first paint, above its main column
        register_panel("lead", DetailPanel(
            "duplicates", "leads/_duplicates_panel.html", panels.lead_duplicates, order=5,
            column="main-top"))
        activity_completed.connect(receivers.mark_lead_contacted,
                                   dispatch_uid="leads.mark_lead_contacted")
