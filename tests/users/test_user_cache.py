"""The signed-in user from the cache (crm.users.middleware.cached_get_user), against the real
Redis: no query for the user once warm, and every change to the user is seen at once."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _user_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/accounts/")  # a page that reads no user row of its own
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries
                      if 'FROM "users_user"' in q["sql"] and '"users_user"."id" =' in q["sql"]]


def test_the_user_is_loaded_once_then_served_from_the_cache(org, web):
    client = web(org.sam)
    client.get("/profile/")
    client.get("/profile/")
    response, loads = _user_queries(client)
    assert loads == []
    assert response.wsgi_request.user.pk == org.sam.pk


def test_a_deactivated_user_is_signed_out_on_the_next_request(org, web):
    client = web(org.sam)
    for _ in range(2):
        client.get("/profile/")
    type(org.sam).objects.filter(pk=org.sam.pk).update(is_active=False)
    response = client.get("/profile/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_granted_permission_counts_on_the_next_request(org, web):
    client = web(org.sam)
    for _ in range(2):
        client.get("/profile/")
    response, _ = _user_queries(client)
    assert not response.wsgi_request.user.has_perm("customers.delete_account")
    org.sam.user_permissions.add(Permission.objects.get(codename="delete_account"))
    response = client.get("/profile/")
    assert response.wsgi_request.user.has_perm("customers.delete_account")


def test_a_role_or_team_change_counts_on_the_next_request(org, web):
    client = web(org.sam)
    for _ in range(2):
        client.get("/profile/")
    type(org.sam).objects.filter(pk=org.sam.pk).update(role="manager", team=org.tom.team)
    user = client.get("/profile/").wsgi_request.user
    assert user.role == "manager" and user.team_id == org.tom.team_id


def test_a_new_password_ends_the_other_sessions(org, web):
    client = web(org.sam)
    for _ in range(2):
        client.get("/profile/")
    org.sam.set_password("a-new-password-123")
    org.sam.save()
    response = client.get("/profile/")
    assert response.status_code == 302 and "/login" in response["Location"]
