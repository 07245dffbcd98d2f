"""Lean list rows (crm.common.listing, issue 17): values() rows rendered in one pass, links from
a URL pattern, labels from choices, cached owner choices and cached list totals."""

from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy as _l

from crm.common import listing as L
from crm.common.versions import bump, table_version
from leads.models import LeadStatus
from tests.factories import AccountFactory, ContactFactory, ProductFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

EVIL = '<script>alert("x")</script>'


def test_render_table_escapes_values_and_builds_links_from_one_pattern():
    columns = [
        L.Column("name", _l("Name"), ("name",), L.link("name", "account-detail"), sort="name"),
        L.Column("status", _l("Status"), ("status",), L.choice("status", LeadStatus)),
        L.Column("value", _l("Est. value"), ("value",), L.money("value", blank_if_none=True),
                 css="num"),
    ]
    rows = [{"id": 7, "name": EVIL, "status": "new", "value": Decimal("1234.5")},
            {"id": 8, "name": "B & Co", "status": "unknown", "value": None}]
    page = L.ListPage(sort="-name", sort_links={"name": "?sort=name&x=1"})
    html = str(L.render_table(columns, rows, page))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="/accounts/7/">' in html and '<a href="/accounts/8/">B &amp; Co</a>' in html
    assert ">New<" in html and ">unknown<" in html  # a label, or the raw value when unknown
    assert '<td data-label="Est. value" class="num">1,234.50</td>' in html
    assert '<td data-label="Est. value" class="num"></td>' in html
    assert 'href="?sort=name&amp;x=1"' in html and "▼" in html  # the active sort, descending
    assert L.values_fields(columns) == ["id", "name", "status", "value"]


def test_rows_read_as_attributes():
    row = L.Row({"id": 3, "name": "Acme"})
    assert row.pk == 3 and row.name == "Acme" and row["name"] == "Acme"
    with pytest.raises(AttributeError):
        row.missing  # noqa: B018


@pytest.mark.parametrize("path, make", [
    ("/leads/?view=all", lambda org, i, name: LeadFactory(owner=org.sam, last_name=name)),
    ("/accounts/", lambda org, i, name: AccountFactory(owner=org.sam, name=name)),
    ("/contacts/", lambda org, i, name: ContactFactory(owner=org.sam, last_name=name)),
    ("/opportunities/", lambda org, i, name: OpportunityFactory(owner=org.sam, topic=name)),
    ("/products/", lambda org, i, name: ProductFactory(name=name, sku=f"SKU-{i}")),
])
def test_lean_list_pages_render_escaped_rows_with_links_in_few_queries(
        path, make, org, web, django_assert_max_num_queries):
    records = [make(org, i, f"{EVIL} {i:02d}") for i in range(30)]
    client = web(org.sam)
    client.get(path)  # warm: session, owner choices
    with django_assert_max_num_queries(6):
        response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    rows = response.context["object_list"]
    assert len(rows) == 25
    shown = {r.pk for r in rows}
    assert shown <= {r.pk for r in records}
    for record in records:
        if record.pk in shown:
            assert f'href="{record.get_absolute_url()}"' in html


def test_owner_filter_offers_readable_owners_and_follows_a_rename(org, web):
    client = web(org.sam)
    page = client.get("/accounts/").content.decode()
    assert str(org.sofia) in page and str(org.olga) not in page  # olga is in another team
    before = table_version("users.User")
    org.sofia.first_name, org.sofia.last_name = "Renamed", "Person"
    org.sofia.save()
    assert table_version("users.User") > before
    assert "Renamed Person" in client.get("/accounts/").content.decode()
    # a chosen owner still filters (the cached choices do not replace the validation)
    AccountFactory(owner=org.sofia, name="Sofia's account")
    AccountFactory(owner=org.sam, name="Sam's account")
    names = [r.name for r in client.get(f"/accounts/?owner={org.sofia.pk}").context["object_list"]]
    assert names == ["Sofia's account"]
    assert client.get(f"/accounts/?owner={org.olga.pk}").status_code == 200  # not offered


def test_opportunity_totals_are_cached_until_an_opportunity_changes(org, web):
    opp = OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("100.00"))
    client = web(org.sam)
    assert client.get("/opportunities/").context["totals"]["count"] == 1
    OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("50.00"))
    totals = client.get("/opportunities/").context["totals"]
    assert totals["count"] == 2 and totals["open_estimated"] == Decimal("150.00")
    opp.delete()
    assert client.get("/opportunities/").context["totals"]["count"] == 1
    # another viewer's scope is its own entry: olga reads none of sam's opportunities
    assert web(org.olga).get("/opportunities/").context["totals"]["count"] == 0


def test_table_versions_survive_a_missing_key():
    from django.core.cache import cache

    cache.delete("tblver:tests.Nothing")
    first = table_version("tests.Nothing")  # a fresh value, above what a lost key held
    assert first > 1_000_000 and table_version("tests.Nothing") == first
    bump("tests.Nothing")
    assert table_version("tests.Nothing") == first + 1
    cache.delete("tblver:tests.Nothing")
    bump("tests.Nothing")  # lost, then written: starts afresh above the old value
    assert table_version("tests.Nothing") > first + 1
