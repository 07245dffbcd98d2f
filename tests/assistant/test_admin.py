"""Admins edit the thresholds in the Django admin; saving them rescans."""

import pytest

from crm.assistant.models import AssistantSettings

pytestmark = pytest.mark.django_db


def test_an_admin_edits_the_thresholds_in_the_admin(web, org):
    client = web(org.admin)
    settings_row = AssistantSettings.load()

    page = client.get("/admin/assistant/assistantsettings/", follow=True)
    assert page.status_code == 200
    assert "no activity on an open opportunity for (days)" in page.content.decode().lower()

    data = {"appointment_soon_minutes": 45, "lead_idle_days": 10, "lead_uncontacted_hours": 24,
            "close_date_days": 5, "opportunity_idle_days": 21, "stage_stale_days": 45,
            "quote_expiry_days": 3, "digest_enabled": "on"}
    response = client.post(f"/admin/assistant/assistantsettings/{settings_row.pk}/change/", data)
    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.opportunity_idle_days, settings_row.quote_expiry_days) == (21, 3)


def test_defaults_are_the_ones_of_the_process(db):
    s = AssistantSettings.load()
    assert (s.appointment_soon_minutes, s.close_date_days, s.opportunity_idle_days,
            s.lead_idle_days, s.lead_uncontacted_hours, s.stage_stale_days,
            s.quote_expiry_days) == (30, 7, 14, 7, 48, 30, 7)


def test_a_seller_cannot_reach_the_settings(web, org):
    response = web(org.sam).get("/admin/assistant/assistantsettings/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
