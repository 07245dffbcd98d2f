"""Issue 16: German as a second language, chosen per user on the profile page, with German
numbers and dates and the user's time zone."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation

from crm.common.formatting import format_day, format_money, format_when
from crm.users.models import ApiToken
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_a_german_user_sees_german_pages(org, web):
    org.sam.language = "de"
    org.sam.save(update_fields=["language"])
    response = web(org.sam).get("/profile/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in html
    for german in ("Mein Profil", "Abmelden", "Sprache und Zeitzone", "Persönliche API-Token",
                   "Einstellungen speichern"):
        assert german in html
    assert "Log out" not in html and "My profile" not in html


def test_german_numbers_and_dates_on_a_record_page(org, web):
    org.sam.language = "de"
    org.sam.save(update_fields=["language"])
    opportunity = OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("67284.5"),
                                     currency="EUR", estimated_close_date=date(2026, 12, 7))
    html = web(org.sam).get(f"/opportunities/{opportunity.pk}/").content.decode()
    assert "67.284,50 EUR" in html
    assert "7. Dezember 2026" in html
    assert "Geschätzter Umsatz" in html
    assert "67,284.50" not in html and "Dec 7, 2026" not in html


def test_an_english_user_keeps_english_formats(org, web):
    opportunity = OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("67284.5"),
                                     currency="EUR", estimated_close_date=date(2026, 12, 7))
    html = web(org.sam).get(f"/opportunities/{opportunity.pk}/",
                            HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "67,284.50 EUR" in html and "Dec 7, 2026" in html


def test_without_a_choice_the_browser_language_decides(client, org):
    assert "Anmelden" in client.get("/login/",
                                    HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "Log in" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_users_language_wins_over_the_browser(org, web):
    org.sam.language = "en"
    org.sam.save(update_fields=["language"])
    html = web(org.sam).get("/profile/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "My profile" in html


def test_saving_preferences_switches_language_and_time_zone(org, web):
    client = web(org.sam)
    response = client.post("/profile/preferences/", {"language": "de",
                                                     "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    org.sam.refresh_from_db()
    assert (org.sam.language, org.sam.time_zone) == ("de", "Europe/Berlin")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get("/profile/").content.decode()
    assert "Einstellungen gespeichert." in page
    assert '<option value="Europe/Berlin" selected>' in page
    # Back to the defaults: the browser's language, the server's zone.
    client.post("/profile/preferences/", {"language": "", "time_zone": ""})
    org.sam.refresh_from_db()
    assert (org.sam.language, org.sam.time_zone) == ("", "")


def test_bad_preferences_are_refused_with_the_form_kept(org, web):
    response = web(org.sam).post("/profile/preferences/", {"language": "xx",
                                                           "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html and "Mars/Olympus" not in html.split("errorlist")[0][-20:]
    org.sam.refresh_from_db()
    assert (org.sam.language, org.sam.time_zone) == ("", "")


def test_dates_are_shown_in_the_users_time_zone(org, web):
    org.sam.language, org.sam.time_zone = "de", "Europe/Berlin"
    org.sam.save(update_fields=["language", "time_zone"])
    token = ApiToken.objects.create(user=org.sam, name="Reporting", key_hash="x" * 64,
                                    key_start="abcd")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=datetime(2026, 1, 5, 14, 5, tzinfo=UTC))
    html = web(org.sam).get("/profile/").content.decode()
    assert 'title="5. Januar 2026 15:05"' in html  # 14:05 UTC is 15:05 in Berlin in winter
    assert 'datetime="2026-01-05T15:05:00+01:00"' in html
    # The zone applies to that request only.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_formatters_follow_the_active_language():
    now = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)
    with translation.override("de"):
        assert format_money(Decimal("1234567.555"), "EUR") == "1.234.567,56 EUR"
        assert format_money(Decimal("-0.001")) == "0,00"
        assert format_day(date(2026, 12, 7)) == "7. Dezember 2026"
        assert format_when(now - timedelta(hours=3), now=now) == "vor 3 Stunden"
        assert format_when(now - timedelta(days=1), now=now) == "gestern um 14:05"
        assert format_when(now - timedelta(days=2), now=now) == "Samstag um 14:05"
        assert format_when(now - timedelta(days=30), now=now) == "7. November 2026 14:05"
    with translation.override("en"):
        assert format_money(Decimal("1234567.555"), "EUR") == "1,234,567.56 EUR"
        assert format_when(now - timedelta(hours=3), now=now) == "3 hours ago"


def test_the_digest_email_speaks_the_users_language(org):
    import time_machine
    from django.core import mail

    from crm.assistant import engine
    from crm.assistant.tasks import send_digests
    from tests.assistant.conftest import NOW
    from tests.assistant.factories import LeadFactory

    org.sam.language = "de"
    org.sam.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        LeadFactory(owner=org.sam, created_at=NOW - timedelta(hours=50), company="Fabrikam")
        LeadFactory(owner=org.tom, created_at=NOW - timedelta(hours=50), company="Contoso")
        engine.scan()
        assert send_digests() == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    german, english = by_recipient[org.sam.email], by_recipient[org.tom.email]
    assert german.subject == "Ihr Assistent: 1 Karte(n) für 30. November 2026"
    assert "Ihr Assistent hat 1 Karte für 30. November 2026" in german.body
    assert english.subject == "Your assistant: 1 card(s) for Nov 30, 2026"


def test_period_and_chart_labels_follow_the_language():
    from crm.insights.periods import month_period

    with translation.override("de"):
        assert month_period(date(2026, 12, 7)).label == "Dezember 2026"
    with translation.override("en"):
        assert month_period(date(2026, 12, 7)).label == "December 2026"



def test_the_dashboard_speaks_german_after_an_english_visit(org, web, settings):
    settings.CRM_INSIGHTS_CACHE_SECONDS = 300
    OpportunityFactory(owner=org.sam, estimated_revenue=Decimal("5000"))
    english = web(org.sam).get("/dashboards/seller/").content.decode()
    assert "Weighted" in english
    org.sam.language = "de"
    org.sam.save(update_fields=["language"])
    german = web(org.sam).get("/dashboards/seller/").content.decode()
    assert "Gewichtet" in german and "Weighted" not in german


def test_api_errors_speak_the_users_language_unless_the_client_asks(org, api):
    org.sam.language = "de"
    org.sam.save(update_fields=["language"])
    client = api(org.sam)
    body = client.post("/api/v1/auth/tokens/", {"name": ""}, format="json").json()
    assert body["code"] == "validation_error" and "name" in body["fields"]
    assert body["message"] == "Ungültige Eingabe: name: Dieses Feld darf nicht leer sein."
    english = client.post("/api/v1/auth/tokens/", {"name": ""}, format="json",
                          HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["message"] == "Invalid input: name: This field may not be blank."
