"""`posts/` and `notifications/` (API.md): shape, errors, visibility, query counts."""

import pytest
from django.urls import reverse

from crm.notifications import services
from crm.notifications.models import Notification, Post
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))


def test_create_post_with_a_mention(org, api, opportunity, on_commit):
    with on_commit():
        response = api(org.sam).post("/api/v1/posts/", {
            "regarding_type": "opportunity", "regarding_id": opportunity.pk,
            "body": "@maria please check"}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["mentions"] == ["maria"] and data["author_username"] == "sam"
    assert data["regarding_type"] == "opportunity" and data["parent"] is None
    assert Notification.objects.get().recipient == org.maria


def test_refused_mention_is_a_400_on_body(org, api, opportunity):
    response = api(org.sam).post("/api/v1/posts/", {
        "regarding_type": "opportunity", "regarding_id": opportunity.pk,
        "body": "@olga look at this"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "@olga may not read this opportunity" in body["fields"]["body"][0]
    assert not Post.objects.exists()


@pytest.mark.parametrize("payload, field", [
    ({"regarding_type": "opportunity", "regarding_id": 999999, "body": "x"}, "regarding_id"),
    ({"regarding_type": "planet", "regarding_id": 1, "body": "x"}, "regarding_type"),
    ({"regarding_type": "opportunity", "body": "x"}, "regarding_id"),
    ({"regarding_type": "opportunity", "regarding_id": 1, "body": "   "}, "body"),
])
def test_bad_input_is_a_400(org, api, opportunity, payload, field):
    response = api(org.sam).post("/api/v1/posts/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_posts_on_another_teams_record_are_404(org, api, opportunity):
    post = services.post_create(record=opportunity, actor=org.sam, body="Private")
    client = api(org.olga)
    assert client.get(f"/api/v1/posts/{post.pk}/").status_code == 404
    assert client.get("/api/v1/posts/").json()["results"] == []
    response = client.post("/api/v1/posts/", {"regarding_type": "opportunity",
                                              "regarding_id": opportunity.pk, "body": "hi"},
                           format="json")
    assert response.status_code == 400 and "regarding_id" in response.json()["fields"]
    assert api(org.maria).get(f"/api/v1/posts/{post.pk}/").status_code == 200


def test_list_filters_and_reply(org, api, opportunity):
    top = services.post_create(record=opportunity, actor=org.sam, body="Top")
    other = OpportunityFactory(owner=org.sam)
    services.post_create(record=other, actor=org.sam, body="Elsewhere")
    client = api(org.sofia)
    response = client.post("/api/v1/posts/", {"regarding_type": "opportunity",
                                              "regarding_id": opportunity.pk, "body": "Re",
                                              "parent": top.pk}, format="json")
    assert response.status_code == 201 and response.json()["parent"] == top.pk
    results = client.get("/api/v1/posts/", {"regarding_type": "opportunity",
                                            "regarding_id": opportunity.pk}).json()["results"]
    assert [p["body"] for p in results] == ["Re", "Top"]
    response = client.post("/api/v1/posts/", {"regarding_type": "opportunity",
                                              "regarding_id": other.pk, "body": "Re",
                                              "parent": top.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["fields"]


def test_edit_and_delete_by_the_author_only(org, api, opportunity):
    post = services.post_create(record=opportunity, actor=org.sam, body="Typo")
    assert api(org.sofia).patch(f"/api/v1/posts/{post.pk}/", {"body": "x"},
                                format="json").status_code == 403
    response = api(org.sam).patch(f"/api/v1/posts/{post.pk}/", {"body": "Fixed"},
                                  format="json")
    assert response.status_code == 200 and response.json()["body"] == "Fixed"
    assert response.json()["edited_at"]
    assert api(org.sofia).delete(f"/api/v1/posts/{post.pk}/").status_code == 403
    assert api(org.sam).delete(f"/api/v1/posts/{post.pk}/").status_code == 204


def test_notifications_read_and_read_all(org, api, opportunity, on_commit):
    with on_commit():
        services.post_create(record=opportunity, actor=org.sam, body="@maria one")
        services.post_create(record=opportunity, actor=org.sam, body="@maria two")
    client = api(org.maria)
    results = client.get("/api/v1/notifications/").json()["results"]
    assert [n["text"] for n in results] == ["@maria two", "@maria one"]
    assert results[0]["reason"] == "mention" and results[0]["read"] is False
    assert results[0]["url"].endswith(f"#post-{results[0]['post']}")
    response = client.post(f"/api/v1/notifications/{results[0]['id']}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert len(client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]) == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []
    # Someone else's notification does not exist for the caller.
    assert api(org.sam).post(f"/api/v1/notifications/{results[0]['id']}/read/").status_code \
        == 404
    assert api().get("/api/v1/notifications/").status_code == 401


def test_post_list_query_count(org, api, django_assert_max_num_queries):
    for i in range(6):
        opportunity = OpportunityFactory(owner=org.sam if i % 2 else org.sofia)
        post = services.post_create(record=opportunity, actor=org.sam, body=f"@maria {i}")
        services.post_create(record=opportunity, actor=org.maria, body="re", parent=post)
    client = api(org.sofia)
    client.get("/api/v1/posts/")  # warm the token
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/posts/")
    assert len(response.json()["results"]) == 12


def test_notification_list_query_count(org, api, django_assert_max_num_queries, on_commit):
    for _i in range(10):
        opportunity = OpportunityFactory(owner=org.sam)
        with on_commit():
            services.post_create(record=opportunity, actor=org.sofia, body="@maria look")
    client = api(org.maria)
    client.get("/api/v1/notifications/")
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/notifications/")
    assert len(response.json()["results"]) == 10


def test_schema_lists_the_operations(org, api):
    schema = api(org.sam).get(reverse("api:api-schema") + "?format=json").json()
    assert {"/api/v1/posts/", "/api/v1/notifications/", "/api/v1/notifications/{id}/read/",
            "/api/v1/notifications/read-all/"} <= set(schema["paths"])
