"""`notify(...)`: a notification that comes from no event (an automation rule's "notify"):
deduplicated per recipient and rule run, shown in the list, the bell, emails and the digest."""

from django.core import mail
from django.template.loader import render_to_string

from crm.notifications import services
from crm.notifications.models import Notification, NotificationPreference
from leads.services import lead_create


def _lead(org):
    return lead_create(actor=org.sam, topic="Fleet", last_name="Lee", company="Contoso")


def test_notify_writes_one_notification_per_recipient_and_rule_run(org):
    lead = _lead(org)
    first = services.notify(user=org.maria, title="Routing: Fleet", body="Call them",
                            record_type="lead", record_id=lead.pk, url="/x/", rule_run_id=7)
    assert first is not None and first.event_id is None and first.reason == "automation"
    assert first.record_label and first.url == "/x/" and services.notification_url(first) == "/x/"
    again = services.notify(user=org.maria, title="Routing: Fleet", body="Call them",
                            record_type="lead", record_id=lead.pk, rule_run_id=7)
    assert again is None
    other_user = services.notify(user=org.sam, title="t", body="b", record_type="lead",
                                 record_id=lead.pk, rule_run_id=7)
    without_run = [services.notify(user=org.maria, title="t", body="b") for _ in range(2)]
    assert other_user is not None and all(n is not None for n in without_run)
    assert Notification.objects.filter(recipient=org.maria).count() == 3


def test_an_event_less_notification_renders_everywhere(org, web, on_commit):
    NotificationPreference.objects.create(user=org.maria, email_delivery="instant")
    lead = _lead(org)
    with on_commit():
        n = services.notify(user=org.maria, title="Routing: Fleet", body="Call them today",
                            record_type="lead", record_id=lead.pk,
                            url=lead.get_absolute_url(), actor=org.admin)
    assert any("Routing: Fleet" in m.subject and "Call them today" in m.body
               for m in mail.outbox)
    client = web(org.maria)
    page = client.get("/notifications/").content.decode()
    assert "Routing: Fleet" in page and "Call them today" in page
    assert 'data-unread="1"' in client.get("/notifications/bell/").content.decode()
    # The daily digest section as well.
    Notification.objects.filter(pk=n.pk).update(email_status="daily")
    section = services.digest_section(org.maria, None, "https://crm.example")
    html = render_to_string("notifications/email/digest_section.html", {"section": section})
    text = render_to_string("notifications/email/digest_section.txt", {"section": section})
    assert "Routing: Fleet" in html and "Routing: Fleet" in text
    assert f"https://crm.example{lead.get_absolute_url()}" in text
