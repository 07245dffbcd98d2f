"""Saved views: save from a list page, open, share (team by managers, everyone by admins),
default per list, rename and delete; the `views/` API with its error shapes."""

import pytest
from django.core.exceptions import ValidationError

from crm.listviews import services
from crm.listviews.models import DefaultView, SavedView
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def _save(client, resource, query, name, **extra):
    data = {"name": name, "shared_with": "private", "query": query, **extra}
    return client.post(f"/views/{resource}/save/", data)


def test_save_as_view_keeps_filters_sort_and_columns_and_reopens_them(org, web):
    hot = LeadFactory(owner=org.sam, rating="hot", last_name="Hot")
    LeadFactory(owner=org.sam, rating="cold", last_name="Cold")
    client = web(org.sam)
    response = _save(client, "leads", "view=all&rating=hot&sort=-name&cols=company,email&page=3",
                     "Hot ones")
    view = SavedView.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/?saved={view.pk}"
    assert view.owner == org.sam and view.resource == "leads"
    assert view.filters == {"view": "all", "rating": "hot"}
    assert view.ordering == "-name" and view.columns == ["company", "email"]

    page = client.get(response["Location"])
    assert [r.pk for r in page.context["object_list"]] == [hot.pk]
    html = page.content.decode()
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert "Email" in head and "Company" in head and "Topic" not in head
    assert page.context["view_menu"]["current"].pk == view.pk
    assert f'data-view-id="{view.pk}"' in html and 'aria-current="page"' in html


def test_an_explicit_parameter_wins_over_the_saved_view(org, web):
    LeadFactory(owner=org.sam, rating="hot")
    cold = LeadFactory(owner=org.sam, rating="cold")
    view = services.view_create(actor=org.sam, resource="leads", name="Hot",
                                filters={"view": "all", "rating": "hot"})
    page = web(org.sam).get(f"/leads/?saved={view.pk}&rating=cold")
    assert [r.pk for r in page.context["object_list"]] == [cold.pk]


def test_another_users_private_view_is_a_404_everywhere(org, web, api):
    view = services.view_create(actor=org.sam, resource="leads", name="Mine")
    assert web(org.sofia).get(f"/leads/?saved={view.pk}").status_code == 404
    assert web(org.sofia).get(f"/leads/?saved={view.pk}&export=csv").status_code == 404
    assert web(org.sofia).get("/leads/?saved=abc").status_code == 404
    response = api(org.sofia).get(f"/api/v1/views/{view.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api(org.sofia).get("/api/v1/views/?resource=leads").json()["results"] == []
    assert web(org.sofia).post(f"/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    # a view of another list is not this list's
    assert web(org.sam).get(f"/accounts/?saved={view.pk}").status_code == 404


def test_managers_share_with_their_team_admins_with_everyone(org, web):
    team_view = services.view_create(actor=org.maria, resource="opportunities",
                                     name="East pipeline", filters={"status": "open"},
                                     shared_with="team")
    everyone = services.view_create(actor=org.admin, resource="opportunities",
                                    name="Company pipeline", shared_with="everyone")
    sam_menu = web(org.sam).get("/opportunities/").context["view_menu"]
    assert {v["name"] for v in sam_menu["shared"]} == {"East pipeline", "Company pipeline"}
    tom_menu = web(org.tom).get("/opportunities/").context["view_menu"]  # team West
    assert {v["name"] for v in tom_menu["shared"]} == {"Company pipeline"}
    assert web(org.tom).get(f"/opportunities/?saved={team_view.pk}").status_code == 404
    assert web(org.tom).get(f"/opportunities/?saved={everyone.pk}").status_code == 200

    with pytest.raises(ValidationError) as refused:
        services.view_create(actor=org.sam, resource="opportunities", name="x",
                             shared_with="team")
    assert "shared_with" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.view_create(actor=org.maria, resource="opportunities", name="x",
                             shared_with="everyone")
    assert "shared_with" in refused.value.message_dict
    # the save form offers what the user may do
    assert [v for v, _label in sam_menu["share_choices"]] == ["private"]
    maria_menu = web(org.maria).get("/opportunities/").context["view_menu"]
    assert [v for v, _label in maria_menu["share_choices"]] == ["private", "team"]


def test_a_shared_view_shows_only_what_the_viewer_may_read(org, web):
    OpportunityFactory(owner=org.sam, topic="East deal")
    OpportunityFactory(owner=org.olga, topic="North deal")
    view = services.view_create(actor=org.admin, resource="opportunities", name="All",
                                shared_with="everyone")
    admin_rows = web(org.admin).get(f"/opportunities/?saved={view.pk}").context["object_list"]
    sam_rows = web(org.sam).get(f"/opportunities/?saved={view.pk}").context["object_list"]
    assert {r["topic"] for r in admin_rows} == {"East deal", "North deal"}
    assert {r["topic"] for r in sam_rows} == {"East deal"}


def test_default_view_applies_when_the_list_opens_without_parameters(org, web):
    hot = LeadFactory(owner=org.sam, rating="hot")
    LeadFactory(owner=org.sam, rating="cold")
    client = web(org.sam)
    _save(client, "leads", "view=all&rating=hot&cols=company", "Hot",
          make_default="on")
    view = SavedView.objects.get()
    assert DefaultView.objects.get(user=org.sam, resource="leads").saved_view == view
    page = client.get("/leads/")
    assert [r.pk for r in page.context["object_list"]] == [hot.pk]
    assert page.context["view_menu"]["current"].pk == view.pk
    assert len(page.context["object_list"]) == 1
    # explicit parameters still show what they ask for
    assert len(client.get("/leads/?view=all").context["object_list"]) == 2
    # another user's list is untouched
    assert web(org.sofia).get("/leads/").context["view_menu"]["current"] is None
    client = web(org.sam)  # (one test client: log sam in again)

    # a system view as the default, then back to the list's own
    client.post("/views/opportunities/default/", {"system": "closing_this_quarter"})
    page = client.get("/opportunities/")
    assert page.context["request"].GET["status"] == "open"
    assert "close_after" in page.context["request"].GET
    client.post("/views/leads/default/", {})
    assert not DefaultView.objects.filter(user=org.sam, resource="leads").exists()
    assert len(client.get("/leads/").context["object_list"]) == 2  # my open leads


def test_rename_share_and_delete_own_views_only(org, web):
    view = services.view_create(actor=org.maria, resource="accounts", name="Old")
    client = web(org.maria)
    assert client.get("/views/accounts/").status_code == 200
    response = client.post(f"/views/{view.pk}/edit/", {f"v{view.pk}-name": "New",
                                                       f"v{view.pk}-shared_with": "team"})
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.shared_with) == ("New", "team")
    # a teammate sees it but may not change it
    sam = web(org.sam)
    assert "New" in sam.get("/views/accounts/").content.decode()
    sam.post(f"/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()
    web(org.maria).post(f"/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert client.get("/views/nope/").status_code == 404


def test_system_views_are_on_every_list(org, web):
    client = web(org.maria)
    expected = {"/leads/": ["My open leads", "My team's open leads"],
                "/opportunities/": ["Open opportunities closing this quarter"],
                "/invoices/": ["Overdue invoices"],
                "/activities/": ["My open activities"],
                "/accounts/": ["My accounts"], "/contacts/": ["My contacts"],
                "/quotes/": ["Active quotes"], "/orders/": ["Active orders"]}
    for path, labels in expected.items():
        menu = client.get(path).context["view_menu"]
        shown = [str(v["label"]) for v in menu["system"]]
        for label in labels:
            assert label in shown, (path, shown)


def test_my_teams_open_leads(org, web):
    mine = LeadFactory(owner=org.sam)
    teammate = LeadFactory(owner=org.sofia)
    LeadFactory(owner=org.tom)  # West
    rows = web(org.sam).get("/leads/?view=team_open").context["object_list"]
    assert {r.pk for r in rows} == {mine.pk, teammate.pk}


# --- API -------------------------------------------------------------------------------------
def test_api_crud(org, api):
    client = api(org.maria)
    body = {"name": "Open East", "resource": "opportunities", "filters": {"status": "open"},
            "ordering": "-revenue", "columns": ["topic", "account", "owner"],
            "shared_with": "team"}
    created = client.post("/api/v1/views/", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert {k: data[k] for k in body} == body
    assert data["owner"] == org.maria.pk and created["ETag"]
    pk = data["id"]
    listed = client.get("/api/v1/views/?resource=opportunities").json()["results"]
    assert [v["id"] for v in listed] == [pk]
    assert client.get("/api/v1/views/?resource=leads").json()["results"] == []
    patched = client.patch(f"/api/v1/views/{pk}/", {"name": "Renamed"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Renamed"
    # a teammate reads it, may not change it
    sam = api(org.sam)
    assert sam.get(f"/api/v1/views/{pk}/").status_code == 200
    refused = sam.patch(f"/api/v1/views/{pk}/", {"name": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert sam.delete(f"/api/v1/views/{pk}/").status_code == 403
    assert client.delete(f"/api/v1/views/{pk}/").status_code == 204
    assert client.get(f"/api/v1/views/{pk}/").status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"resource": "planets"}, "resource"),
    ({"name": ""}, "name"),
    ({"columns": ["topic", "nonsense"]}, "columns"),
    ({"columns": "topic"}, "columns"),
    ({"ordering": "-nonsense"}, "ordering"),
    ({"filters": ["status"]}, "filters"),
    ({"filters": {"status": {"deep": 1}}}, "filters"),
    ({"filters": {"status": "open\u0000"}}, "filters"),
    ({"filters": {"page": "2"}}, "filters"),
    ({"shared_with": "everyone"}, "shared_with"),
    ({"shared_with": "world"}, "shared_with"),
])
def test_api_validation_errors(org, api, body, field):
    data = {"name": "V", "resource": "opportunities", **body}
    response = api(org.sam).post("/api/v1/views/", data, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "validation_error" and field in error["fields"]


def test_api_needs_authentication(api):
    response = api().get("/api/v1/views/")
    assert response.status_code == 401
