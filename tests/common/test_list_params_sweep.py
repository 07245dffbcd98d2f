"""Every list endpoint, odd query parameters: never a 500 (API.md: no input gets a 500).

The parameters are the generic ones (paging, cursor, ordering, search) plus, for each filter
of the endpoint's FilterSet, values that are not what the filter takes."""

import pytest
from django.urls import URLPattern, URLResolver

from crm.api import extra_urls, router
from crm.automation.models import Webhook
from tests.factories import AccountFactory, ContactFactory
from tests.invoices.factories import make_invoice
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory
from tests.quotes.factories import make_quote

pytestmark = pytest.mark.django_db

GENERIC = [
    {"page_size": "abc"}, {"page_size": "-1"}, {"page_size": "99999999999999999999"},
    {"page_size": "0"}, {"cursor": "garbage"}, {"cursor": "cD0yMDI2LTAxLTAx"},
    {"cursor": "%%%"}, {"cursor": "cD1hYmM="}, {"cursor": "cj0xJnA9OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"},
    {"cursor": "bz05OTk5OTk5OTk5OTk5OTk5OTk5OTk5JnA9MQ=="}, {"ordering": "nonexistent"}, {"ordering": "-,,-"},
    {"ordering": "owner__password"}, {"search": "\x00"}, {"search": "%_\\'\""},
    {"search": "x" * 5000}, {"owner": "abc"}, {"owner": "99999999999999999999"},
    {"status": "x"}, {"created_after": "garbage"}, {"created_after": "2026-01-01T00:00+19:00"},
]
ODD_VALUES = ["abc", "1e999999", "-99999999999999999999", "NaN", "2026-13-45", "\x00", ""]


def _list_urls(ids) -> list[tuple[str, object]]:
    """(url, viewset or view) for every GET list route, path parameters filled with `ids`."""
    found = []
    for prefix, viewset, _basename in router.registry:
        if "(?P<" in prefix:
            name = prefix.split("(?P<")[1].split(">")[0]
            head, _sep, tail = prefix.partition("(?P<")
            tail = tail.split(")", 1)[1]
            prefix = f"{head}{ids[name]}{tail}"
        if hasattr(viewset, "list"):
            found.append((f"/api/v1/{prefix}/", viewset))
    for pattern in extra_urls:
        if isinstance(pattern, URLResolver) or not isinstance(pattern, URLPattern):
            continue
        route = str(pattern.pattern)
        for name, value in ids.items():
            route = route.replace(f"<int:{name}>", str(value))
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        found.append((f"/api/v1/{route}", getattr(pattern.callback, "cls", None)))
    return found


def _filter_names(view) -> list[str]:
    filterset = getattr(view, "filterset_class", None)
    return list(filterset.base_filters) if filterset is not None else []


def test_no_list_endpoint_answers_500_to_odd_query_parameters(org, api):
    account = AccountFactory(owner=org.sam)
    ContactFactory(account=account)
    LeadFactory(owner=org.sam)
    opportunity = OpportunityFactory(owner=org.sam, account=account)
    quote = make_quote(owner=org.sam, opportunity=opportunity)
    invoice = make_invoice(owner=org.sam)
    webhook = Webhook.objects.create(url="https://hooks.example.com/crm", created_by=org.admin)
    ids = {"opportunity_pk": opportunity.pk, "quote_pk": quote.pk, "pk": invoice.pk,
           "invoice_pk": invoice.pk, "order_pk": invoice.order_id, "webhook_pk": webhook.pk}
    client = api(org.admin)
    client.raise_request_exception = False
    failures = []
    urls = _list_urls(ids)
    assert len(urls) >= 15, urls
    for url, view in urls:
        params = list(GENERIC)
        for name in _filter_names(view):
            params += [{name: value} for value in ODD_VALUES]
        for query in params:
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append((url, query, response.status_code))
    assert not failures, "\n".join(map(repr, failures))


PAGE_NAMES = ["lead-list", "opportunity-list", "quote-list", "order-list", "invoice-list",
              "account-list", "contact-list", "activity-list", "product-list"]
PAGE_GENERIC = [
    {"page": "abc"}, {"page": "-1"}, {"page": "99999999999999999999"}, {"sort": "nonexistent"},
    {"sort": "-"}, {"q": "%_\\'\""}, {"q": "x" * 5000}, {"owner": "abc"}, {"status": "x"},
    {"created_after": "garbage"}, {"created_after": "99999-01-01"},
]


def test_no_list_page_answers_500_to_odd_query_parameters(org, web):
    from django.urls import resolve, reverse

    LeadFactory(owner=org.sam)
    OpportunityFactory(owner=org.sam)
    client = web(org.admin)
    client.raise_request_exception = False
    failures = []
    for name in PAGE_NAMES:
        url = reverse(name)
        view = resolve(url).func.view_class
        params = list(PAGE_GENERIC)
        for filter_name in _filter_names(view):
            params += [{filter_name: value} for value in ODD_VALUES]
        for query in params:
            response = client.get(url, query)
            if response.status_code >= 500:
                failures.append((url, query, response.status_code))
    assert not failures, "\n".join(map(repr, failures))
