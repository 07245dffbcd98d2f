"""The daily digest: HTML + text, each user's own cards, once per day even if run twice."""

from datetime import timedelta

import pytest
from django.core import mail

from crm.assistant import digest, engine, services
from crm.assistant.models import AssistantSettings, Card, DigestLog
from crm.assistant.tasks import send_digests

from .conftest import NOW
from .factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sellers_with_cards(clock, org):
    LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50), company="Fabrikam")
    LeadFactory(owner=org.tom, created_at=NOW - timedelta(hours=50), company="Contoso")
    engine.scan()
    return org


def test_each_user_with_cards_gets_one_digest_with_their_cards(two_sellers_with_cards):
    org = two_sellers_with_cards

    assert send_digests() == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {org.sam.email, org.tom.email}
    sam_mail = by_recipient[org.sam.email]
    assert sam_mail.subject == "Your assistant: 1 card(s) for Nov 30, 2026"
    assert "New lead not contacted" in sam_mail.body and "Fabrikam" in sam_mail.body
    assert "Contoso" not in sam_mail.body
    html, mimetype = sam_mail.alternatives[0]
    assert mimetype == "text/html"
    assert "Fabrikam" in html and "http://127.0.0.1:8000/leads/" in html


def test_running_the_digest_twice_the_same_day_sends_nothing_more(two_sellers_with_cards, clock):
    send_digests()
    clock.move_to(NOW + timedelta(hours=5))
    assert send_digests() == 0
    assert len(mail.outbox) == 2
    assert DigestLog.objects.count() == 2


def test_the_next_day_brings_a_new_digest(two_sellers_with_cards, clock):
    send_digests()
    clock.move_to(NOW + timedelta(days=1))
    assert send_digests() == 2
    assert len(mail.outbox) == 4


def test_a_failed_send_is_retried_on_the_next_run(two_sellers_with_cards, monkeypatch):
    def smtp_down(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(digest, "_send", smtp_down)
    assert send_digests() == 0
    assert not DigestLog.objects.exists()

    monkeypatch.undo()
    assert send_digests() == 2


def test_users_without_visible_cards_get_no_digest(two_sellers_with_cards):
    org = two_sellers_with_cards
    services.card_dismiss(card=Card.objects.get(user=org.tom), actor=org.tom)

    assert send_digests() == 1
    assert [m.to for m in mail.outbox] == [[org.sam.email]]


def test_the_admin_can_turn_the_digest_off(two_sellers_with_cards):
    AssistantSettings.objects.update(digest_enabled=False)

    assert send_digests() == 0
