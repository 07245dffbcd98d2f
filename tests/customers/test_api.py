import pytest

from crm.customers.models import Account
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_account_list_endpoint_query_count(api, org, django_assert_max_num_queries):
    for _ in range(60):
        AccountFactory(owner=org.sam)
    client = api(org.sam)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/accounts/?page_size=50")
    body = response.json()
    assert len(body["results"]) == 50 and body["next"]


def test_following_next_returns_every_account_once_even_while_adding(api, org):
    for i in range(25):
        AccountFactory(owner=org.sam, name=f"A{i:03d}")
    client = api(org.sam)
    seen, url = [], "/api/v1/accounts/?page_size=10"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        AccountFactory(owner=org.sam)  # a record added between pages
        url = body["next"]
    originals = set(Account.objects.filter(name__startswith="A0").values_list("id", flat=True))
    assert len(seen) == len(set(seen))
    assert originals <= set(seen)


def test_page_size_is_capped_at_200(api, org):
    for _ in range(3):
        AccountFactory(owner=org.sam)
    response = api(org.sam).get("/api/v1/accounts/?page_size=5000")
    assert response.status_code == 200


def test_account_crud_through_the_api(api, org):
    client = api(org.sam)
    created = client.post("/api/v1/accounts/", {"name": "Initech", "industry": "technology",
                                                "annual_revenue": "1250000.50"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["owner"] == org.sam.pk and body["annual_revenue"] == "1250000.50"
    assert created["ETag"] == '"1"'
    url = f"/api/v1/accounts/{body['id']}/"
    patched = client.patch(url, {"city": "Austin"}, format="json")
    assert patched.json()["city"] == "Austin" and patched.json()["version"] == 2
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_filters_and_search(api, org):
    AccountFactory(name="Red", owner=org.sam, industry="retail", country="France")
    AccountFactory(name="Blue", owner=org.tom, industry="finance", country="Spain")
    client = api(org.sam)
    names = lambda q: [r["name"] for r in client.get(f"/api/v1/accounts/?{q}").json()["results"]]  # noqa: E731
    assert names("industry=retail") == ["Red"]
    assert names(f"owner={org.tom.pk}") == ["Blue"]
    assert names("search=blu") == ["Blue"]
    assert names("country=spain") == ["Blue"]
    assert names("ordering=name") == ["Blue", "Red"]


def test_seller_reads_but_cannot_change_or_delete_another_teams_account(api, org):
    account = AccountFactory(owner=org.tom)
    client = api(org.olga)
    assert client.get(f"/api/v1/accounts/{account.pk}/").status_code == 200
    assert client.put(f"/api/v1/accounts/{account.pk}/", {"name": "x"},
                      format="json").status_code == 403
    assert client.delete(f"/api/v1/accounts/{account.pk}/").status_code == 403


def test_manager_changes_an_account_owned_by_a_report_two_levels_down(api, org):
    account = AccountFactory(owner=org.tom)
    response = api(org.maria).patch(f"/api/v1/accounts/{account.pk}/",
                                    {"name": "By Maria", "owner": org.sofia.pk}, format="json")
    assert response.status_code == 200
    account.refresh_from_db()
    assert (account.name, account.owner) == ("By Maria", org.sofia)


def test_seller_cannot_reassign_their_own_account(api, org):
    account = AccountFactory(owner=org.sam)
    response = api(org.sam).patch(f"/api/v1/accounts/{account.pk}/", {"owner": org.sofia.pk},
                                  format="json")
    assert response.status_code == 403


def test_an_account_cannot_be_its_own_ancestor(api, org):
    parent = AccountFactory(owner=org.sam)
    child = AccountFactory(owner=org.sam, parent=parent)
    response = api(org.sam).patch(f"/api/v1/accounts/{parent.pk}/", {"parent": child.pk},
                                  format="json")
    assert response.status_code == 400
    assert "parent" in response.json()["fields"]


def test_contact_list_endpoint_query_count_and_account_filter(api, org,
                                                              django_assert_max_num_queries):
    account = AccountFactory(owner=org.sam)
    for _ in range(30):
        ContactFactory(account=account)
    ContactFactory()
    client = api(org.sam)
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/contacts/?account={account.pk}&page_size=100")
    assert len(response.json()["results"]) == 30


def test_contact_requires_a_last_name(api, org):
    response = api(org.sam).post("/api/v1/contacts/", {"first_name": "Solo"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["last_name"]


def test_users_and_teams_directory(api, org, django_assert_max_num_queries):
    client = api(org.sam)
    with django_assert_max_num_queries(5):
        users = client.get("/api/v1/users/").json()["results"]
    assert {u["username"] for u in users} >= {"sam", "maria", "tom"}
    assert "password" not in users[0]
    teams = client.get("/api/v1/teams/").json()["results"]
    assert {t["name"] for t in teams} == {"East", "West", "North"}
