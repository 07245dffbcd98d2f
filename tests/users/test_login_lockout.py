"""Login lockout (django-axes): by username and by address, with a cool-off, a clear page and an
admin unlock; the API's `auth/token/` is locked the same way (429)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def wrong_login(client, username="sam", times=1):
    return [client.post("/login/", {"username": username, "password": "nope"}).status_code
            for _ in range(times)]


def test_thirty_wrong_passwords_lock_the_user_out_and_the_right_one_no_longer_works(org):
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = wrong_login(client, times=30)
    assert statuses[:4] == [200] * 4  # the form, saying the password did not match
    assert set(statuses[4:]) == {429}
    response = client.post("/login/", {"username": "sam", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_says_when_to_try_again(org, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    response = None
    for _ in range(5):
        response = Client().post("/login/", {"username": "sam", "password": "nope"})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Too many login attempts" in page and "15 minutes" in page and "Try again after" in page
    assert 'class="login-box panel"' in page  # the product's look (base layout)
    assert "registration/lockout.html" in [t.name for t in response.templates]


def test_the_user_is_locked_from_every_address(org):
    for i in range(5):
        wrong_login(Client(REMOTE_ADDR=f"198.51.100.{i}"))
    response = Client(REMOTE_ADDR="192.0.2.1").post(
        "/login/", {"username": "sam", "password": PASSWORD})
    assert response.status_code == 429


def test_an_address_is_locked_for_every_username(org):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        wrong_login(client, username=name)
    response = client.post("/login/", {"username": "sofia", "password": PASSWORD})
    assert response.status_code == 429
    # sofia herself, from elsewhere, is not affected
    other = Client(REMOTE_ADDR="192.0.2.50").post(
        "/login/", {"username": "sofia", "password": PASSWORD})
    assert other.status_code == 302


def test_a_success_before_the_limit_resets_the_count(org):
    client = Client(REMOTE_ADDR="203.0.113.10")
    wrong_login(client, times=4)
    assert client.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    wrong_login(client, times=4)
    assert client.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 302


def test_the_lockout_ends_after_the_cool_off(org):
    client = Client(REMOTE_ADDR="203.0.113.11")
    wrong_login(client, times=5)
    assert client.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 429
    # 16 minutes later (the failures are aged instead of waiting)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time
                                 - timedelta(minutes=16))
    assert client.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 302


def test_an_admin_unlocks_a_user_from_the_admin(org, web):
    wrong_login(Client(REMOTE_ADDR="203.0.113.12"), times=5)
    locked = Client(REMOTE_ADDR="203.0.113.13")
    assert locked.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 429
    response = web(org.admin).post("/admin/users/user/", {
        "action": "unlock_login", "_selected_action": [org.sam.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="sam").exists()
    assert locked.post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 302


def test_admins_see_the_attempts_in_the_admin(org, web):
    wrong_login(Client(REMOTE_ADDR="203.0.113.14"), times=2)
    response = web(org.admin).get("/admin/axes/accessattempt/")
    assert response.status_code == 200 and b"sam" in response.content


def test_x_forwarded_for_is_ignored_unless_behind_a_trusted_proxy(org, settings):
    # a client cannot dodge the address lockout by inventing X-Forwarded-For
    client = Client(REMOTE_ADDR="203.0.113.20")
    for i, name in enumerate(("a1", "a2", "a3", "a4", "a5")):
        client.post("/login/", {"username": name, "password": "nope"},
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert client.post("/login/", {"username": "sofia", "password": PASSWORD},
                       HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    # behind one trusted proxy, the address the proxy saw is the client's
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.1.1.1")
    assert proxy.post("/login/", {"username": "sofia", "password": PASSWORD},
                      HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.77").status_code == 302


def test_the_api_token_endpoint_is_locked_too(org):
    client = APIClient(REMOTE_ADDR="203.0.113.30")
    statuses = [client.post("/api/v1/auth/token/", {"username": "sam", "password": "nope"},
                            format="json").status_code for _ in range(6)]
    assert statuses[:4] == [400] * 4 and statuses[5] == 429
    response = client.post("/api/v1/auth/token/", {"username": "sam", "password": PASSWORD},
                           format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited" and int(response["Retry-After"]) > 0


def test_the_api_token_endpoint_keeps_its_own_throttle(org):
    # scope `token`: 20 a minute per address, even with the right password
    client = APIClient()
    statuses = [client.post("/api/v1/auth/token/", {"username": "sam", "password": PASSWORD},
                            format="json").status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]


def test_force_login_and_the_test_client_login_still_work(org):
    client = Client()
    client.force_login(org.sam)
    assert client.get("/profile/").status_code == 200
    from django.http import HttpRequest

    other = Client()
    # axes needs the request: the test client passes it through to authenticate()
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    assert other.login(request=request, username="sam", password=PASSWORD)
    assert other.get("/profile/").status_code == 200
