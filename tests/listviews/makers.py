"""Rows for every list that has views (shared by the column and export tests)."""

from tests.activities.factories import ActivityFactory
from tests.factories import AccountFactory, ContactFactory
from tests.invoices.factories import make_invoice, make_order
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory
from tests.quotes.factories import make_quote


def _lead(org, i, account):
    return LeadFactory(owner=org.sam, existing_account=account if i % 2 else None,
                       city="Springfield", country="US")


def _account(org, i, account):
    return AccountFactory(owner=org.sam, parent=account if i % 2 else None)


def _contact(org, i, account):
    return ContactFactory(owner=org.sam, account=account, city="Springfield")


def _opportunity(org, i, account):
    contact = ContactFactory(owner=org.sam, account=account) if i % 3 == 0 else None
    return OpportunityFactory(owner=org.sam, account=account, contact=contact)


def _quote(org, i, account):
    return make_quote(owner=org.sam, opportunity=OpportunityFactory(owner=org.sam,
                                                                    account=account))


def _order(org, i, account):
    return make_order(owner=org.sam, account=account, lines=(("Widget", "1", "10.00", "0", "0"),))


def _invoice(org, i, account):
    return make_invoice(owner=org.sam, account=account, issue=i % 2 == 0,
                        lines=(("Widget", "1", "10.00", "0", "0"),))


def _activity(org, i, account):
    contact = ContactFactory(owner=org.sam, account=account)
    return ActivityFactory(owner=org.sam, contact=contact if i % 2 else None,
                           account=None if i % 2 else account)


MAKERS = {
    "leads": ("/leads/?view=all", _lead),
    "accounts": ("/accounts/", _account),
    "contacts": ("/contacts/", _contact),
    "opportunities": ("/opportunities/", _opportunity),
    "quotes": ("/quotes/", _quote),
    "orders": ("/orders/", _order),
    "invoices": ("/invoices/", _invoice),
    "activities": ("/activities/?view=all", _activity),
}


def make_rows(resource, org, count):
    account = AccountFactory(owner=org.sam, name="Parent & Co")
    _path, make = MAKERS[resource]
    return [make(org, i, account) for i in range(count)]
