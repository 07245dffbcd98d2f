from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from crm.common.registries import RecordType, SearchProvider, record_types, register_search


class CustomersConfig(AppConfig):
    name = "crm.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self):
        # Imported here, not at the top: they import models, loaded once the registry is ready.
        from . import selectors

        record_types.register(RecordType(
            name="account", model_label="customers.Account", verbose_name=_("Account"),
            url_name="account-detail", visibility="public",
            parents=lambda a: [("account", a.parent_id)] if a.parent_id else [],
        ))
        record_types.register(RecordType(
            name="contact", model_label="customers.Contact", verbose_name=_("Contact"),
            url_name="contact-detail", visibility="public",
            parents=lambda c: [("account", c.account_id)] if c.account_id else [],
        ))
        register_search(SearchProvider("accounts", "Accounts", selectors.account_search, order=50))
        register_search(SearchProvider("contacts", "Contacts", selectors.contact_search, order=60))
