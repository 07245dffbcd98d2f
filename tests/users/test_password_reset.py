"""Password reset by e-mail and the password change page, in the product's look."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def reset_link(message) -> str:
    return re.search(r"http://testserver(/password/reset/\S+/\S+/)", message.body).group(1)


def test_the_login_page_links_to_the_password_reset(client, org):
    page = client.get("/login/").content.decode()
    assert 'href="/password/reset/"' in page and "Forgot your password?" in page


def test_the_reset_page_uses_the_product_layout(client, org):
    response = client.get("/password/reset/")
    assert response.status_code == 200
    names = [t.name for t in response.templates]
    assert "registration/password_reset_form.html" in names and "base.html" in names


def test_a_reset_mail_is_sent_and_its_link_sets_a_new_password(client, org):
    org.sam.email = "sam@example.com"
    org.sam.save()
    response = client.post("/password/reset/", {"email": "sam@example.com"})
    assert response.status_code == 302 and response["Location"] == "/password/reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.com"]
    assert "sam" in mail.outbox[0].body  # the username, in case it was forgotten too

    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)  # Django swaps the token for a session marker
    assert form_page.context["validlink"]
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "Fresh-Start-2026", "new_password2": "Fresh-Start-2026"})
    assert done.status_code == 302 and done["Location"] == "/password/reset/done/"

    fresh = Client()
    assert fresh.post("/login/", {"username": "sam",
                                  "password": "Fresh-Start-2026"}).status_code == 302
    assert Client().post("/login/", {"username": "sam", "password": PASSWORD}).status_code == 200


def test_a_used_link_no_longer_works(client, org):
    org.sam.email = "sam@example.com"
    org.sam.save()
    client.post("/password/reset/", {"email": "sam@example.com"})
    link = reset_link(mail.outbox[0])
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": "Fresh-Start-2026",
                                             "new_password2": "Fresh-Start-2026"})
    again = Client().get(link, follow=True)
    assert not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, org):
    known_email = "sam@example.com"
    org.sam.email = known_email
    org.sam.save()
    unknown = client.post("/password/reset/", {"email": "nobody@example.com"})
    known = Client().post("/password/reset/", {"email": known_email})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert [m.to for m in mail.outbox] == [[known_email]]
    sent_page = client.get(unknown["Location"]).content.decode()
    assert "If an account uses that address" in sent_page


def test_the_password_change_page_is_linked_from_the_profile_and_in_the_product_look(web, org):
    client = web(org.sam)
    assert 'href="/password/"' in client.get("/profile/").content.decode()
    response = client.get("/password/")
    names = [t.name for t in response.templates]
    assert "registration/password_change_form.html" in names and "base.html" in names
