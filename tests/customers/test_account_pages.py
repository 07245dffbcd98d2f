import pytest

from crm.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_account_list_costs_a_fixed_number_of_queries(web, org, django_assert_max_num_queries):
    for i in range(40):
        AccountFactory(owner=[org.sam, org.tom, org.olga][i % 3])
    client = web(org.sam)
    with django_assert_max_num_queries(6):
        response = client.get("/accounts/")
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 25
    assert response.context["has_next"]


def test_account_list_searches_filters_sorts_and_pages(web, org):
    AccountFactory(name="Zeta Corp", owner=org.sam, industry="retail")
    AccountFactory(name="Alpha Corp", owner=org.tom, industry="retail")
    AccountFactory(name="Beta Inc", owner=org.sam, industry="finance")
    client = web(org.sam)
    names = [a.name for a in client.get("/accounts/?q=corp").context["object_list"]]
    assert names == ["Alpha Corp", "Zeta Corp"]
    names = [a.name for a in client.get("/accounts/?q=corp&sort=-name").context["object_list"]]
    assert names == ["Zeta Corp", "Alpha Corp"]
    names = [a.name for a in client.get("/accounts/?industry=finance").context["object_list"]]
    assert names == ["Beta Inc"]
    page2 = client.get("/accounts/?page=2")
    assert page2.status_code == 200 and page2.context["object_list"] == []


def test_empty_account_list_invites_to_create_one(web, org):
    response = web(org.sam).get("/accounts/")
    assert b"No accounts yet." in response.content


def test_create_form_reports_errors_and_keeps_what_was_typed(web, org):
    response = web(org.sam).post("/accounts/new/", {"name": "", "website": "nope",
                                                     "phone": "+1 555 0100"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "website"}
    assert b'value="+1 555 0100"' in response.content
    assert Account.objects.count() == 0


def test_seller_creates_an_account_they_own(web, org):
    response = web(org.sam).post("/accounts/new/", {"name": "Initech", "industry": "technology"})
    account = Account.objects.get(name="Initech")
    assert response.status_code == 302 and response["Location"] == f"/accounts/{account.pk}/"
    assert account.owner == org.sam


def test_seller_cannot_assign_an_account_to_someone_else(web, org):
    web(org.sam).post("/accounts/new/", {"name": "Initech", "owner": org.tom.pk})
    assert Account.objects.get(name="Initech").owner == org.sam  # the owner field is disabled


def test_seller_cannot_edit_another_teams_account_in_html(web, org):
    account = AccountFactory(owner=org.tom, name="Tom's")
    client = web(org.sam)
    assert client.get(f"/accounts/{account.pk}/").status_code == 200  # readable by all
    assert client.get(f"/accounts/{account.pk}/edit/").status_code == 403
    assert client.post(f"/accounts/{account.pk}/edit/", {"name": "Hacked"}).status_code == 403
    account.refresh_from_db()
    assert account.name == "Tom's"


def test_manager_edits_and_reassigns_an_account_of_their_report(web, org):
    account = AccountFactory(owner=org.tom, name="Tom's")
    response = web(org.maria).post(f"/accounts/{account.pk}/edit/",
                                   {"name": "Tom's Renamed", "owner": org.sam.pk})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.owner) == ("Tom's Renamed", org.sam)


def test_unknown_account_is_404(web, org):
    assert web(org.sam).get("/accounts/424242/").status_code == 404


def test_account_detail_lists_its_contacts(web, org, django_assert_max_num_queries):
    account = AccountFactory(owner=org.sam)
    for _ in range(20):
        ContactFactory(account=account)
    client = web(org.sam)
    with django_assert_max_num_queries(15):
        response = client.get(f"/accounts/{account.pk}/")
    assert len(response.context["contacts"]) == 20


def test_contact_list_query_count_and_search(web, org, django_assert_max_num_queries):
    for _ in range(35):
        ContactFactory(owner=org.sam)
    ContactFactory(last_name="Unique", owner=org.tom)
    client = web(org.sam)
    with django_assert_max_num_queries(6):
        response = client.get("/contacts/")
    assert len(response.context["object_list"]) == 25
    found = client.get("/contacts/?q=uniq").context["object_list"]
    assert [c.last_name for c in found] == ["Unique"]


def test_contact_create_links_the_account_from_the_query_string(web, org):
    account = AccountFactory(owner=org.sam)
    client = web(org.sam)
    page = client.get(f"/contacts/new/?account={account.pk}")
    assert f'value="{account.pk}" selected'.encode() in page.content
    response = client.post("/contacts/new/", {"first_name": "Ann", "last_name": "Lee",
                                              "account": account.pk, "email": "ann@x.example"})
    assert response.status_code == 302
    assert Contact.objects.get(last_name="Lee").account == account


def test_login_required_everywhere(client):
    for url in ["/", "/accounts/", "/contacts/", "/products/", "/search/?q=ab"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_global_search_finds_accounts_and_contacts(web, org):
    AccountFactory(name="Globex Corporation", owner=org.tom)
    ContactFactory(first_name="Hank", last_name="Scorpio", owner=org.tom)
    response = web(org.sam).get("/search/?q=globex")
    assert b"Globex Corporation" in response.content
    response = web(org.sam).get("/search/?q=hank scorpio")
    assert b"Hank Scorpio" in response.content
