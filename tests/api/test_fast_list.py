"""The API lists built from `values()` rows (crm.common.fastlist) answer byte for byte what the
model serializers answer, for the same rows, filters, ordering and cursor pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.activities.api import ActivityViewSet
from crm.common import fastlist
from crm.customers.api import AccountViewSet, ContactViewSet
from invoices.api import InvoiceViewSet, OrderViewSet
from leads.api import LeadViewSet
from opportunities.api import OpportunityViewSet
from quotes.api import QuoteViewSet
from tests.factories import AccountFactory, ContactFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

UNICODE = "Müller & Søn 株式会社 — «Ωmega» 🚀"
WHEN = datetime.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=datetime.UTC)  # a DST change


@pytest.fixture
def rendered(monkeypatch):
    """Counts rows the fast path rendered, to prove it ran."""
    calls = []
    original = fastlist.FastListPlan.render

    def spy(self, rows, *args):
        out = original(self, rows, *args)
        calls.append(len(out))
        return out

    monkeypatch.setattr(fastlist.FastListPlan, "render", spy)
    return calls


def assert_same(client, url, params, viewset, monkeypatch, rendered, max_queries):
    """Fast and normal answers are the same bytes; returns the decoded body."""
    before = len(rendered)
    with max_queries:
        fast = client.get(url, params)
    assert len(rendered) == before + 1, "the fast path did not run"
    with monkeypatch.context() as patch:
        patch.setattr(viewset, "fast_list", False)
        normal = client.get(url, params)
    assert len(rendered) == before + 1
    assert fast.status_code == normal.status_code == 200, fast.content
    assert fast.content == normal.content
    return fast.json()


def walk(client, url, params, viewset, monkeypatch, rendered, queries, bound):
    """Every cursor page of `url` compared; returns all ids seen. (Orderings are on distinct
    values: rows that tie come back in the database's order, which no path fixes.)"""
    ids = []
    body = assert_same(client, url, params, viewset, monkeypatch, rendered, queries(bound))
    ids += [r["id"] for r in body["results"]]
    while body["next"]:
        body = assert_same(client, body["next"], {}, viewset, monkeypatch, rendered,
                           queries(bound))
        ids += [r["id"] for r in body["results"]]
    return ids


@pytest.fixture(params=["UTC", "Asia/Kolkata", "America/St_Johns"])
def zone(request, settings):
    settings.TIME_ZONE = request.param
    return request.param


def test_plans_cover_the_resources_and_refuse_what_they_cannot_reproduce(org, rf):
    from rest_framework.request import Request

    for viewset, expected in [(AccountViewSet, True), (ContactViewSet, True),
                              (LeadViewSet, True), (OpportunityViewSet, True),
                              (QuoteViewSet, True), (OrderViewSet, True),
                              (ActivityViewSet, True), (InvoiceViewSet, True)]:
        view = viewset()
        view.request = Request(rf.get("/"))
        view.request.user = org.admin
        view.format_kwarg, view.action = None, "list"
        serializer = view.get_serializer()
        plan = fastlist.build_plan(serializer, serializer.Meta.model,
                                   viewset.fast_list_properties, viewset.fast_list_computed,
                                   viewset.fast_list_reproduces_overrides)
        assert (plan is not None) is expected, viewset
        # Without the computed fields, a method field (Invoice.overdue) or an overridden
        # to_representation (Activity: state, attachment URL) keeps the normal path.
        assert fastlist.build_plan(serializer, serializer.Meta.model,
                                   viewset.fast_list_properties) is None or not \
            viewset.fast_list_computed, viewset


def test_accounts(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    parent = AccountFactory(owner=org.olga, name=UNICODE, annual_revenue=Decimal("1234567.5"),
                            employees=0, website="", industry="", city="Århus")
    AccountFactory(owner=org.sam, annual_revenue=None, employees=None, parent=parent, city="",
                   last_activity_at=WHEN, description="line\nbreak \"quoted\" \\ back")
    AccountFactory(owner=org.tom, annual_revenue=Decimal("0.01"), city=UNICODE)
    for n in range(5):
        AccountFactory(owner=[org.sam, org.olga, org.walt][n % 3], city=f"City {n}",
                       annual_revenue=Decimal(n) * Decimal("1000.10"))
    contact = ContactFactory(account=parent)
    parent.primary_contact = contact
    parent.save()
    url = "/api/v1/accounts/"
    for user in (org.sam, org.olga, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 3}, AccountViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 6)
        assert len(ids) == 8 == len(set(ids))
        for params in ({"ordering": "name"}, {"ordering": "-city", "page_size": 4},
                       {"ordering": "updated_at", "page_size": 2}, {"search": "Müller"},
                       {"owner": org.olga.pk}):
            walk(client, url, params, AccountViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 6)


def test_contacts(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    account = AccountFactory(owner=org.olga)
    ContactFactory(account=account, first_name="", last_name=UNICODE, email="")
    ContactFactory(account=None, owner=org.sam, first_name="Zoë", last_name="Ångström",
                   last_activity_at=WHEN, salutation="")
    for n in range(5):
        ContactFactory(owner=[org.sam, org.tom][n % 2], account=account if n % 2 else None)
    url = "/api/v1/contacts/"
    for user in (org.sam, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 2}, ContactViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 6)
        assert len(ids) == 7
        for params in ({"ordering": "last_name"}, {"ordering": "-created_at", "page_size": 3},
                       {"search": "Ångström"}):
            walk(client, url, params, ContactViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 6)


def test_leads(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    account = AccountFactory(owner=org.olga)
    LeadFactory(owner=org.sam, first_name="", last_name=UNICODE, company=UNICODE,
                annual_revenue=Decimal("99.9"), budget_amount=None, estimated_value=None,
                estimated_close_date=datetime.date(2027, 1, 31), existing_account=account)
    LeadFactory(owner=org.sofia, source="partner", estimated_value=Decimal("12345.67"),
                employees=12, last_activity_at=WHEN, email="", budget_amount=Decimal("0"))
    for n in range(6):
        LeadFactory(owner=[org.sam, org.sofia, org.olga, org.tom][n % 4],
                    estimated_value=Decimal(n + 1) / Decimal(3))
    url = "/api/v1/leads/"
    for user in (org.sam, org.maria, org.olga, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 3}, LeadViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 10)
        assert len(ids) == len(set(ids))
        for params in ({"ordering": "estimated_value", "page_size": 2},
                       {"ordering": "-created_at"}, {"ordering": "last_name"},
                       {"source": "partner"}, {"search": "株式会社"}):
            walk(client, url, params, LeadViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 10)


def test_opportunities(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    OpportunityFactory(owner=org.sam, topic=UNICODE, estimated_revenue=Decimal("0"), probability=0,
                       estimated_close_date=datetime.date(2026, 12, 31),
                       budget_amount=Decimal("7.5"), last_activity_at=WHEN)
    OpportunityFactory(owner=org.sofia, stage="develop", probability=35,
                       estimated_revenue=Decimal("98765432.10"), account=None,
                       contact=ContactFactory(owner=org.sofia))
    OpportunityFactory(owner=org.tom, stage="propose", stage_entered_at=timezone.now(),
                       estimated_revenue=Decimal("0.01"))
    for n in range(5):
        OpportunityFactory(owner=[org.sam, org.sofia, org.olga][n % 3],
                           estimated_revenue=Decimal(n + 1) * Decimal("333.33"))
    url = "/api/v1/opportunities/"
    for user in (org.sam, org.maria, org.olga, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 3}, OpportunityViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 10)
        assert len(ids) == len(set(ids))
        for params in ({"ordering": "-estimated_revenue", "page_size": 2},
                       {"ordering": "topic"},
                       {"search": UNICODE[:6]}):
            walk(client, url, params, OpportunityViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 10)


def test_quotes(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    from tests.quotes.factories import make_active_quote, make_quote

    make_quote(owner=org.sam, name=UNICODE, lines=[("Beratung", "1.5", "99.99", "19")])
    make_active_quote(owner=org.sofia, lines=[("Ωmega", "3", "0.01", "7.5")])
    make_quote(owner=org.olga)
    for n in range(4):
        make_quote(owner=[org.sam, org.tom][n % 2], lines=[(f"Line {n}", "1", f"{n + 1}0.00",
                                                            "0")])
    url = "/api/v1/quotes/"
    for user in (org.sam, org.maria, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 2}, QuoteViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 8)
        assert len(ids) == len(set(ids))
        for params in ({"ordering": "-number", "page_size": 3}, {"ordering": "created_at"},
                       {"search": UNICODE[:6]}):
            walk(client, url, params, QuoteViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 8)


def test_orders(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    from tests.invoices.factories import make_order

    make_order(owner=org.sam, name=UNICODE, description="", requested_delivery_date=None,
               discount_percent="12.5", freight="0.00",
               bill_to_lines=[UNICODE, "Straße 1", "12345 Köln"], ship_to_lines=[])
    make_order(owner=org.sofia, requested_delivery_date=datetime.date(2027, 2, 28),
               discount_amount="5.55")
    make_order(owner=org.olga)
    for n in range(4):
        make_order(owner=[org.sam, org.tom][n % 2], freight=f"{n}.5{n}")
    url = "/api/v1/orders/"
    for user in (org.sam, org.maria, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 2}, OrderViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 6)
        assert len(ids) == len(set(ids))
        for params in ({"ordering": "-number", "page_size": 3}, {"ordering": "updated_at"},
                       {"search": UNICODE[:6]}):
            walk(client, url, params, OrderViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 6)


@pytest.mark.parametrize("viewset,url", [(AccountViewSet, "/api/v1/accounts/"),
                                         (LeadViewSet, "/api/v1/leads/"),
                                         (OpportunityViewSet, "/api/v1/opportunities/"),
                                         (OrderViewSet, "/api/v1/orders/"),
                                         (ActivityViewSet, "/api/v1/activities/"),
                                         (InvoiceViewSet, "/api/v1/invoices/")])
def test_odd_queries_answer_the_same_on_both_paths(org, api, monkeypatch, viewset, url):
    import base64

    AccountFactory(owner=org.sam)
    LeadFactory(owner=org.sam)
    OpportunityFactory(owner=org.sam)
    client = api(org.admin)
    position = base64.b64encode(b"p=yesterday&o=0").decode()
    for params in ({"cursor": "abc"}, {"cursor": position}, {"ordering": "bogus,-nothing"},
                   {"page_size": "0"}, {"page_size": "-3"}, {"page_size": "9999"},
                   {"page_size": "x"}, {"ordering": "-created_at", "cursor": position},
                   {"search": "%_\\'\""}, {"owner": "x"}, {"id": "1"}):
        fast = client.get(url, params)
        with monkeypatch.context() as patch:
            patch.setattr(viewset, "fast_list", False)
            normal = client.get(url, params)
        assert (fast.status_code, fast.content) == (normal.status_code, normal.content), params
        assert fast.status_code < 500


def test_activities(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries,
                    settings, tmp_path):
    """Every regarding type, attachments (a URL through the permission-checked view), every
    state; the regarding names come from one look-up per record type on the page."""
    from django.core.files.base import ContentFile

    from crm.activities.models import ActivityKind, ActivityState
    from tests.activities.factories import ActivityFactory
    from tests.invoices.factories import make_invoice, make_order
    from tests.quotes.factories import make_quote

    settings.MEDIA_ROOT = tmp_path
    account = AccountFactory(owner=org.sam, name=UNICODE)
    contact = ContactFactory(owner=org.sam, first_name="Zoë", last_name="Ångström")
    lead = LeadFactory(owner=org.sam, last_name=UNICODE, company="")
    opportunity = OpportunityFactory(owner=org.sofia, topic=UNICODE)
    quote = make_quote(owner=org.sam, name=UNICODE)
    order = make_order(owner=org.sam, name=UNICODE)
    invoice = make_invoice(order=make_order(owner=org.olga), issue=False)
    regarding = [{"account": account}, {"contact": contact}, {"lead": lead},
                 {"opportunity": opportunity}, {"quote": quote}, {"order": order},
                 {"invoice": invoice}, {"contact": ContactFactory(owner=org.tom)}]
    for n, target in enumerate(regarding):
        ActivityFactory(owner=[org.sam, org.sofia, org.olga][n % 3],
                        **{"contact": None, **target}, kind=[ActivityKind.TASK, ActivityKind.APPOINTMENT][n % 2],
                        subject=UNICODE if n == 0 else f"Activity {n}",
                        description="line\nbreak" if n == 1 else "",
                        due_at=WHEN + datetime.timedelta(hours=n),  # distinct: no ties
                        starts_at=WHEN - datetime.timedelta(hours=n) if n % 2 else None,
                        duration_minutes=n or None,
                        state=[ActivityState.OPEN, ActivityState.COMPLETED,
                               ActivityState.CANCELED][n % 3],
                        completed_at=WHEN if n % 3 == 1 else None)
    with_file = ActivityFactory(owner=org.sam, kind=ActivityKind.NOTE, contact=contact)
    with_file.attachment.save("notes é.txt", ContentFile(b"hello"), save=True)
    url = "/api/v1/activities/"
    for user in (org.sam, org.maria, org.olga, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 3}, ActivityViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 14)
        assert len(ids) == len(set(ids))
        for params in ({"ordering": "due_at", "page_size": 4}, {"ordering": "-created_at"},
                       {"ordering": "-updated_at", "page_size": 2}, {"search": UNICODE[:6]},
                       {"state": "completed"}, {"regarding_type": "lead"}):
            walk(client, url, params, ActivityViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 14)
    body = assert_same(api(org.admin), url, {"page_size": 50}, ActivityViewSet, monkeypatch,
                       rendered, django_assert_max_num_queries(14))
    names = {(r["regarding_type"], r["regarding_name"]) for r in body["results"]}
    assert ("account", UNICODE) in names and ("contact", "Zoë Ångström") in names
    assert any(r["attachment"] for r in body["results"])


def test_the_activity_list_reads_the_regarding_names_in_its_own_query(
        org, api, monkeypatch, rendered, django_assert_max_num_queries):
    """The names come from the page's query; a record whose `__str__` reads a field the list
    does not select is loaded (one query per record type), and reads the same."""
    from crm.activities import api as activities_api
    from tests.activities.factories import ActivityFactory

    for _ in range(30):
        ActivityFactory(owner=org.sam)
    for n in range(10):
        ActivityFactory(owner=org.sam, contact=None,
                        lead=LeadFactory(owner=org.sam, company="" if n % 2 else UNICODE,
                                         first_name="" if n % 3 else "Zoë"))
    client = api(org.sam)
    with django_assert_max_num_queries(5):
        fast = client.get("/api/v1/activities/", {"page_size": 50})
    assert len(fast.json()["results"]) == 40
    body = assert_same(client, "/api/v1/activities/", {"page_size": 50}, ActivityViewSet,
                       monkeypatch, rendered, django_assert_max_num_queries(5))
    labels = dict(activities_api._REGARDING_LABEL_FIELDS)
    labels["lead"] = ("first_name", "last_name")  # as if Lead.__str__ read more
    monkeypatch.setattr(activities_api, "_REGARDING_LABEL_FIELDS", labels)
    monkeypatch.setattr(ActivityViewSet, "fast_list_computed", {
        **ActivityViewSet.fast_list_computed,
        "regarding_name": (activities_api._REGARDING_COLUMNS + tuple(
            activities_api._label_column(t, n) for t, names in labels.items() for n in names),
            activities_api._fast_regarding_name)})
    monkeypatch.setattr(ActivityViewSet, "_fast_list_plans", {})
    with django_assert_max_num_queries(6):  # + the leads, loaded whole
        again = client.get("/api/v1/activities/", {"page_size": 50})
    assert again.content == fast.content
    assert body["results"] and all(r["regarding_name"] for r in body["results"])


def test_invoices(org, api, zone, monkeypatch, rendered, django_assert_max_num_queries):
    from invoices import services
    from tests.invoices.factories import make_invoice, make_order

    overdue = make_invoice(order=make_order(owner=org.sam, name=UNICODE),
                           issue_date=datetime.date(2020, 1, 1))
    paid = make_invoice(order=make_order(owner=org.sofia, discount_percent="12.5"))
    services.invoice_record_payment(invoice=paid, amount=paid.total, actor=org.sofia)
    part = make_invoice(order=make_order(owner=org.sam, freight="0.00"),
                        issue_date=datetime.date(2021, 6, 30))
    services.invoice_record_payment(invoice=part, amount=Decimal("0.01"), actor=org.sam)
    make_invoice(order=make_order(owner=org.olga), issue=False)
    canceled = make_invoice(order=make_order(owner=org.tom))
    services.invoice_cancel(invoice=canceled, actor=org.tom, note="")
    for n in range(3):
        make_invoice(order=make_order(owner=[org.sam, org.tom][n % 2], freight=f"{n}.5{n}"))
    url = "/api/v1/invoices/"
    for user in (org.sam, org.maria, org.admin):
        client = api(user)
        ids = walk(client, url, {"page_size": 2}, InvoiceViewSet, monkeypatch, rendered,
                   django_assert_max_num_queries, 6)
        assert len(ids) == len(set(ids))
        for params in ({"ordering": "-number", "page_size": 3}, {"ordering": "due_date"},
                       {"ordering": "-total"}, {"search": UNICODE[:6]}, {"status": "active"}):
            walk(client, url, params, InvoiceViewSet, monkeypatch, rendered,
                 django_assert_max_num_queries, 6)
    body = assert_same(api(org.admin), url, {"page_size": 50}, InvoiceViewSet, monkeypatch,
                       rendered, django_assert_max_num_queries(6))
    flags = {r["id"]: r["overdue"] for r in body["results"]}
    assert flags[overdue.pk] is True and flags[paid.pk] is False
