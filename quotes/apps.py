from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _quote_parents(quote) -> list[tuple[str, int]]:
    parents = []
    if quote.account_id:
        parents.append(("account", quote.account_id))
    if quote.contact_id:
        parents.append(("contact", quote.contact_id))
    if quote.opportunity_id:
        parents.append(("opportunity", quote.opportunity_id))
    return parents


class QuotesConfig(AppConfig):
    name = "quotes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from crm.common.registries import (
            DetailPanel,
            RecordType,
            SearchProvider,
            record_types,
            register_panel,
            register_search,
        )
        from opportunities.hooks import register_close_guard

        from . import panels, selectors, services

        record_types.register(RecordType(
            name="quote", model_label="quotes.Quote", verbose_name=_("Quote"),
            url_name="quote-detail", parents=_quote_parents,
            title=lambda q: f"{q.display_number} {q.name}",
        ))
        register_search(SearchProvider("quotes", "Quotes", selectors.quote_search, order=40))
        register_close_guard(services.quote_close_guard)
        register_panel("opportunity", DetailPanel(
            "quotes", "quotes/_opportunity_panel.html", panels.opportunity_quotes_panel,
            order=40, column="main"))
        register_panel("account", DetailPanel(
            "quotes", "quotes/_account_panel.html", panels.account_quotes_panel,
            order=60, column="side"))
