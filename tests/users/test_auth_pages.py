import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_good_password_lands_on_the_start_page(client, org):
    response = client.post("/login/", {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_with_bad_password_says_so(client, org):
    response = client.post("/login/", {"username": "sam", "password": "wrong"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_logout_requires_post_and_ends_the_session(web, org):
    client = web(org.sam)
    assert client.post("/logout/").status_code == 302
    assert client.get("/accounts/").status_code == 302


def test_password_change_checks_the_old_password_and_hashes_the_new(web, org):
    client = web(org.sam)
    bad = client.post("/password/", {"old_password": "nope", "new_password1": "Tr1cky-pass-42",
                                     "new_password2": "Tr1cky-pass-42"})
    assert bad.status_code == 200 and bad.context["form"].errors["old_password"]
    good = client.post("/password/", {"old_password": PASSWORD,
                                      "new_password1": "Tr1cky-pass-42",
                                      "new_password2": "Tr1cky-pass-42"})
    assert good.status_code == 302
    org.sam.refresh_from_db()
    assert "Tr1cky-pass-42" not in org.sam.password  # stored as a salted hash
    assert org.sam.check_password("Tr1cky-pass-42")


def test_csrf_is_enforced_on_forms(org):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org.sam)
    response = client.post("/accounts/new/", {"name": "No token"})
    assert response.status_code == 403


def test_profile_page_shows_role_and_team(web, org):
    response = web(org.sam).get("/profile/")
    assert b"Seller" in response.content and b"East" in response.content
