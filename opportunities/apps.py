from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _parents(opportunity) -> list[tuple[str, int]]:
    """An opportunity's timeline entries also show on its account's and contact's."""
    parents = []
    if opportunity.account_id:
        parents.append(("account", opportunity.account_id))
    if opportunity.contact_id:
        parents.append(("contact", opportunity.contact_id))
    return parents


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Opportunities"

    def ready(self):
        from crm.common.registries import RecordType, SearchProvider, record_types, register_search
        from crm.common.versions import watch

        from . import selectors
        from .models import Opportunity

        watch(Opportunity)  # the list page's cached totals
        record_types.register(RecordType(
            name="opportunity", model_label="opportunities.Opportunity",
            verbose_name=_("Opportunity"), url_name="opportunity-detail", parents=_parents,
            title=lambda o: o.topic,
        ))
        register_search(SearchProvider("opportunities", "Opportunities",
                                       selectors.opportunity_search, order=30))

        from crm.common.registries import DetailPanel, register_panel
        from leads.panels import register_account_lead_link

        from . import panels

        register_panel("account", DetailPanel(
            "opportunities", "opportunities/_account_panel.html", panels.account_opportunities,
            order=20, column="main"))
        register_account_lead_link(panels.account_lead_links)
