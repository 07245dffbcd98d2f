"""Whole list pages and API list data from the cache (crm.common.pagecache), against the real
Redis: a hit costs one query, and every kind of write shows on the next request."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from crm.common import pagecache, versions
from crm.common.cache import outages
from crm.customers.models import Account
from leads.models import Lead
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CRM_PAGE_CACHE_SECONDS = 300


def _warm(client, path, **extra):
    """Three requests: the page learns its tables, is stored, is served from the cache."""
    for _ in range(3):
        response = client.get(path, **extra)
        assert response.status_code == 200
    return response


def test_a_cached_list_page_costs_one_query_and_carries_the_requests_csrf_token(org, web):
    AccountFactory(name="Sam's Own Corp", owner=org.sam)
    client = web(org.sam)
    first = _warm(client, "/accounts/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/accounts/")
    assert len(ctx.captured_queries) <= 1  # the signed-in user (the session is in Redis)
    assert response.context is None  # nothing was rendered: it came from the cache
    html = response.content.decode()
    assert "Sam&#x27;s Own Corp" in html or "Sam's Own Corp" in html
    assert pagecache.CSRF_PLACEHOLDER not in html
    assert 'name="csrfmiddlewaretoken"' in html
    # the same page as a rendered one, but for the masked token
    assert len(html) == len(first.content.decode())
    # and a form posted with the token from the cached page passes the CSRF check
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    client_csrf = client.handler.enforce_csrf_checks
    client.handler.enforce_csrf_checks = True
    try:
        posted = client.post("/logout/", {"csrfmiddlewaretoken": token})
    finally:
        client.handler.enforce_csrf_checks = client_csrf
    assert posted.status_code in (200, 302)


def test_writes_of_every_kind_show_on_the_next_request(org, web):
    account = AccountFactory(name="Before Corp", owner=org.sam)
    client = web(org.sam)
    _warm(client, "/accounts/")

    # another user's save (post_save path)
    account.name = "Saved Corp"
    account.save()
    assert "Saved Corp" in client.get("/accounts/").content.decode()
    _warm(client, "/accounts/")

    # a queryset update() (no signal at all)
    Account.objects.filter(pk=account.pk).update(name="Updated Corp")
    assert "Updated Corp" in client.get("/accounts/").content.decode()
    _warm(client, "/accounts/")

    # raw SQL from a service or task
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_account SET name = %s WHERE id = %s",
                       ["Raw Corp", account.pk])
    assert "Raw Corp" in client.get("/accounts/").content.decode()
    _warm(client, "/accounts/")

    # bulk_create: a new row of the seller's
    Account.objects.bulk_create([Account(name="Bulk Corp", owner=org.sam)])
    assert "Bulk Corp" in client.get("/accounts/").content.decode()
    _warm(client, "/accounts/")

    # a reassignment: the owner's name in the row (the users table is read too)
    Account.objects.filter(name="Bulk Corp").update(owner=org.tom)
    assert org.tom.get_full_name() in client.get("/accounts/").content.decode()
    _warm(client, "/accounts/")

    # a delete
    Account.objects.filter(name="Bulk Corp").delete()
    assert "Bulk Corp" not in client.get("/accounts/").content.decode()


def test_the_version_is_bumped_again_when_the_transaction_commits(django_capture_on_commit_callbacks):
    before = versions.table_version("customers_account")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE customers_account SET name = name WHERE id = -1")
                cursor.execute("DELETE FROM customers_account WHERE id = -1")
            assert versions.table_version("customers_account") == before + 1  # once at once
    assert len(callbacks) == 1
    assert versions.table_version("customers_account") == before + 2  # and on commit


def test_the_writes_a_statement_makes_are_read_from_its_sql():
    wt = versions.written_tables
    assert wt('INSERT INTO "leads_lead" ("a") VALUES (1)') == ("leads_lead",)
    assert wt('UPDATE "leads_lead" SET "a" = 1') == ("leads_lead",)
    assert wt('DELETE FROM "leads_lead" WHERE id = 1') == ("leads_lead",)
    assert wt("COPY leads_lead (a) FROM STDIN") == ("leads_lead",)
    assert wt("COPY leads_lead TO STDOUT") == ()
    assert wt('TRUNCATE "a", "b" CASCADE') == ("a", "b")
    assert wt('WITH x AS (UPDATE "t" SET a = 1 RETURNING id) SELECT * FROM x') == ("t",)
    assert wt('SELECT * FROM "t" FOR UPDATE OF "t"') == ()
    assert wt('WITH x AS (SELECT 1) SELECT * FROM "t" FOR UPDATE SKIP LOCKED') == ()
    assert wt("SAVEPOINT s1") == ()


def _tom_lead():
    return Lead.objects.create(topic="Tom only", last_name="Tomlead", company="Tom Only Corp",
                               owner=Lead._meta.get_field("owner").related_model.objects.get(
                                   username="tom"))


def test_a_seller_never_gets_a_managers_cached_page(org, web):
    _tom_lead()
    manager = web(org.maria)
    assert "Tom Only Corp" in _warm(manager, "/leads/?view=open").content.decode()
    seller = web(org.sam)  # the same client and URL, another user
    assert "Tom Only Corp" not in seller.get("/leads/?view=open").content.decode()
    assert "Tom Only Corp" not in _warm(seller, "/leads/?view=open").content.decode()


def test_a_deactivated_user_is_not_served_the_cached_page(org, web):
    client = web(org.sam)
    _warm(client, "/accounts/")
    type(org.sam).objects.filter(pk=org.sam.pk).update(is_active=False)
    response = client.get("/accounts/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_scope_change_shows_at_once(org, web):
    lead = _tom_lead()
    client = web(org.sam)
    assert "Tom Only Corp" not in _warm(client, "/leads/?view=open").content.decode()
    Lead.objects.filter(pk=lead.pk).update(owner=org.sofia)  # reassigned into sam's team
    assert "Tom Only Corp" in client.get("/leads/?view=open").content.decode()
    _warm(client, "/leads/?view=open")
    type(org.tom).objects.filter(pk=org.sofia.pk).update(team=org.tom.team)  # sofia moves
    assert "Tom Only Corp" not in client.get("/leads/?view=open").content.decode()


def test_a_language_switch_and_a_new_day_are_new_pages(org, web):
    AccountFactory(name="Some Corp", owner=org.sam)
    client = web(org.sam)
    english = _warm(client, "/accounts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert german != english and 'lang="de"' in german
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)):
        with CaptureQueriesContext(connection) as ctx:
            client.get("/accounts/", HTTP_ACCEPT_LANGUAGE="en")
        assert len(ctx.captured_queries) > 1  # built afresh, not the cached page


def test_flash_messages_are_never_cached(org, web):
    client = web(org.sam)
    _warm(client, "/accounts/")
    from django.contrib.messages.storage.cookie import CookieStorage

    # a message waiting for the next page
    storage_cookie = CookieStorage(type("R", (), {"COOKIES": {}})())._encode(
        [__import__("django.contrib.messages.storage.base", fromlist=["Message"]).Message(
            20, "Saved the thing")])
    client.cookies["messages"] = storage_cookie
    assert "Saved the thing" in client.get("/accounts/").content.decode()


def test_with_the_cache_down_the_page_still_renders(org, web, settings):
    AccountFactory(name="Still Corp", owner=org.sam)
    client = web(org.sam)
    _warm(client, "/accounts/")
    from django.core.cache import cache

    outages.failed(cache.outage_name, ConnectionError("down"), retry_after=60)
    try:
        response = client.get("/accounts/")
    finally:
        outages.reset()
    assert response.status_code == 200 and "Still Corp" in response.content.decode()
    assert response.context is not None  # built, not served from the (unreachable) cache


def test_an_api_list_is_served_from_the_cache_and_sees_writes(org, api):
    account = AccountFactory(name="Api Corp", owner=org.sam)
    client = api(org.sam)
    built = [client.get("/api/v1/accounts/") for _ in range(3)][0]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/accounts/")
    assert len(ctx.captured_queries) <= 1  # the token's user
    assert response.content == built.content  # the stored JSON, byte for byte
    assert response["Content-Type"] == built["Content-Type"] == "application/json"
    assert response.data == built.json()
    assert [r["name"] for r in response.json()["results"]] == ["Api Corp"]
    Account.objects.filter(pk=account.pk).update(name="Api Corp Renamed")
    assert [r["name"] for r in client.get("/api/v1/accounts/").json()["results"]] == [
        "Api Corp Renamed"]


@pytest.mark.parametrize("url_name", ["account-list", "contact-list", "lead-list",
                                      "opportunity-list", "quote-list", "order-list",
                                      "invoice-list", "activity-list", "product-list"])
def test_every_cached_list_page_costs_no_query(org, web, url_name, django_assert_num_queries):
    from django.urls import reverse

    AccountFactory(name="Listed Corp", owner=org.sam)
    client = web(org.sam)
    built = _warm(client, reverse(url_name))
    with django_assert_num_queries(0):
        response = client.get(reverse(url_name))
    assert response.status_code == 200 and response.context is None
    assert len(response.content) == len(built.content)


@pytest.mark.parametrize("resource", ["accounts", "contacts", "leads", "opportunities",
                                      "quotes", "orders", "invoices", "activities"])
def test_every_cached_api_list_costs_one_query(org, api, resource, django_assert_num_queries):
    client = api(org.sam)
    built = [client.get(f"/api/v1/{resource}/") for _ in range(3)][0]
    assert built.status_code == 200
    with django_assert_num_queries(1):  # the token and its user
        response = client.get(f"/api/v1/{resource}/")
    assert response.status_code == 200 and response.content == built.content
