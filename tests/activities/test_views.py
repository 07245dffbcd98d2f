from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.activities.models import Activity, ActivityKind, ActivityState
from tests.factories import ContactFactory
from tests.panels import get_with_panels, with_panels

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_every_record_detail_page_shows_the_timeline_panel_with_quick_add(org, web):
    contact = ContactFactory(owner=org.sam)
    client = web(org.sam)
    for url in (contact.get_absolute_url(), contact.account.get_absolute_url()):
        html = get_with_panels(client, url)  # the panel loads after the first paint
        assert 'id="timeline-panel"' in html
        assert "Log call" in html and "Nothing on the timeline yet" in html


def test_the_quick_add_forms_load_when_opened(org, web, django_assert_max_num_queries):
    contact = ContactFactory(owner=org.sam)
    client = web(org.sam)
    panel = client.get(reverse("record-panel", args=["contact", contact.pk, "timeline"]),
                       **HTMX).content.decode()
    url = reverse("activity-quick-add", args=["contact", contact.pk, "task"])
    # the panel names each form's URL but renders none of their fields
    assert f'hx-get="{url}" hx-trigger="toggle once"' in panel
    assert 'name="qa-task-subject"' not in panel and "Save task" not in panel

    with django_assert_max_num_queries(3):  # user, team, the contact
        form = client.get(url, **HTMX).content.decode()
    assert 'name="qa-task-subject"' in form and 'name="qa-task-priority"' in form
    assert f'hx-post="{url}"' in form and "Save task" in form
    assert 'name="csrfmiddlewaretoken"' in form
    # without htmx the page itself is the way back; an unknown kind is a 404
    assert client.get(url).status_code == 302
    assert client.get(reverse("activity-quick-add", args=["contact", contact.pk, "fax"]),
                      **HTMX).status_code == 404


def test_a_quick_add_form_of_an_unreadable_record_is_404(org, web):
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(owner=org.sam)
    url = reverse("activity-quick-add", args=["lead", lead.pk, "note"])
    assert web(org.olga).get(url, **HTMX).status_code == 404


def test_logging_a_call_from_the_panel_swaps_the_panel_without_leaving_the_page(
        org, web, on_commit):
    contact = ContactFactory(owner=org.sam)
    url = reverse("activity-quick-add", args=["contact", contact.pk, "phone_call"])
    with on_commit():
        response = web(org.sam).post(url, {
            "qa-phone_call-subject": "Discussed renewal", "qa-phone_call-direction": "outgoing",
            "qa-phone_call-duration_minutes": "12", "qa-phone_call-done": "on",
        }, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Discussed renewal" in html and "Phone call “Discussed renewal” added." in html
    call = Activity.objects.get()
    assert (call.state, call.duration_minutes, call.owner) == (ActivityState.COMPLETED, 12,
                                                               org.sam)


def test_a_quick_add_with_errors_keeps_what_was_typed(org, web):
    contact = ContactFactory(owner=org.sam)
    url = reverse("activity-quick-add", args=["contact", contact.pk, "appointment"])
    response = web(org.sam).post(url, {"qa-appointment-subject": "Site visit",
                                       "qa-appointment-location": "Berlin office"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Site visit"' in html and 'value="Berlin office"' in html
    assert "This field is required" in html
    assert not Activity.objects.exists()


def test_quick_add_without_javascript_redirects_back_with_a_message(org, web):
    contact = ContactFactory(owner=org.sam)
    url = reverse("activity-quick-add", args=["contact", contact.pk, "note"])
    response = web(org.sam).post(url, {"qa-note-description": "Met at the fair"}, follow=True)
    assert response.redirect_chain[-1][0] == contact.get_absolute_url()
    assert "Note added." in response.content.decode()


def test_load_more_returns_the_next_entries_only(org, web):
    from crm.activities import aggregation

    contact = ContactFactory(owner=org.sam)
    for i in range(12):
        ActivityFactory(contact=contact, owner=org.sam, subject=f"Task {i:02d}",
                        created_at=timezone.now() - timedelta(hours=12 - i))
    aggregation.catch_up()
    client = web(org.sam)
    first = get_with_panels(client, contact.get_absolute_url())
    assert "Task 11" in first and "Task 02" in first and "Task 01" not in first
    cursor = first.split("?cursor=")[1].split('"')[0].split("&")[0]
    more = client.get(reverse("timeline", args=["contact", contact.pk]) + f"?cursor={cursor}",
                      **HTMX).content.decode()
    assert "Task 01" in more and "Task 00" in more and "Task 02" not in more
    assert "Load more" not in more


def test_my_activities_sorts_open_work_into_today_overdue_and_this_week(org, web):
    now = timezone.now()
    ActivityFactory(owner=org.sam, subject="Overdue task", due_at=now - timedelta(days=2))
    ActivityFactory(owner=org.sam, subject="Later task", due_at=now + timedelta(days=30))
    ActivityFactory(owner=org.sofia, subject="Sofia's task", due_at=now)
    ActivityFactory(owner=org.sam, kind=ActivityKind.APPOINTMENT, subject="Meeting now",
                    due_at=None, starts_at=now + timedelta(minutes=1))
    client = web(org.sam)

    def subjects(view):
        response = client.get(reverse("activity-list") + f"?view={view}")
        return sorted(a.subject for a in response.context["object_list"])

    assert subjects("open") == ["Later task", "Meeting now", "Overdue task"]
    assert subjects("overdue") == ["Overdue task"]
    local = timezone.localtime(now)
    if local.hour < 23:  # "now + 1 min" is still today
        assert "Meeting now" in subjects("today")
    assert "Later task" not in subjects("week")


def test_completing_from_my_activities_replaces_the_row(org, web):
    task = ActivityFactory(owner=org.sam, subject="Send contract")
    response = web(org.sam).post(reverse("activity-complete", args=[task.pk]), **HTMX)
    assert response.status_code == 200
    assert "Completed" in response.content.decode()
    task.refresh_from_db()
    assert task.state == ActivityState.COMPLETED


def test_canceling_twice_shows_why_it_cannot(org, web):
    task = ActivityFactory(owner=org.sam)
    client = web(org.sam)
    client.post(reverse("activity-cancel", args=[task.pk]))
    response = client.post(reverse("activity-cancel", args=[task.pk]), follow=True)
    assert "already canceled" in response.content.decode()


def test_a_seller_gets_404_for_another_teams_activity(org, web):
    task = ActivityFactory(owner=org.olga)
    client = web(org.sam)
    assert client.get(task.get_absolute_url()).status_code == 404
    assert client.post(reverse("activity-complete", args=[task.pk])).status_code == 404


def test_my_activities_costs_a_fixed_number_of_queries(org, web, django_assert_max_num_queries):
    for _ in range(35):
        ActivityFactory(owner=org.sam)
    client = web(org.sam)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("activity-list"))
    assert len(response.context["object_list"]) == 25


def test_a_contact_page_with_a_long_timeline_costs_a_fixed_number_of_queries(
        org, web, django_assert_max_num_queries):
    from crm.activities import aggregation

    contact = ContactFactory(owner=org.sam)
    for _ in range(30):
        ActivityFactory(contact=contact, owner=org.sam)
    aggregation.catch_up()
    client = web(org.sam)
    # (the account page also renders other apps' panels; the timeline itself is one query)
    with django_assert_max_num_queries(16):
        response = client.get(contact.account.get_absolute_url())
    # then one request per panel (each with its session and user lookups)
    with django_assert_max_num_queries(32):
        html = with_panels(client, response)
    assert html.count('class="tl-entry"') == 10


def test_the_calendar_feed_lists_appointments_by_secret_token(org, client):
    start = timezone.now() + timedelta(days=1)
    ActivityFactory(owner=org.sam, kind=ActivityKind.APPOINTMENT, subject="Demo, part 2",
                    starts_at=start, ends_at=start + timedelta(hours=1), location="HQ; room 4")
    ActivityFactory(owner=org.sofia, kind=ActivityKind.APPOINTMENT, subject="Not Sam's",
                    starts_at=start)
    response = client.get(reverse("activity-calendar", args=[org.sam.feed_token]))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and "SUMMARY:Demo\\, part 2" in body
    assert "LOCATION:HQ\\; room 4" in body and "Not Sam's" not in body
    assert client.get(reverse("activity-calendar", args=["wrong"])).status_code == 404


def test_an_attachment_is_downloaded_only_by_who_may_read_the_note(org, web, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.activities import services

    note = services.activity_create(
        actor=org.sam, kind=ActivityKind.NOTE, regarding=ContactFactory(), description="Scan",
        attachment=SimpleUploadedFile("card.png", b"\x89PNG...", content_type="image/png"))
    url = reverse("activity-attachment", args=[note.pk])
    assert web(org.sofia).get(url).status_code == 200
    assert web(org.olga).get(url).status_code == 404


def test_editing_an_open_task_keeps_typed_values_on_error_and_saves_when_valid(org, web):
    task = ActivityFactory(owner=org.sam, subject="Draft")
    client = web(org.sam)
    url = reverse("activity-update", args=[task.pk])
    bad = client.post(url, {"subject": "", "priority": "high", "description": "Keep me"})
    assert "Keep me" in bad.content.decode() and "This field is required" in bad.content.decode()
    good = client.post(url, {"subject": "Final", "priority": "high",
                             "due_at": "2030-01-02T09:30"}, follow=True)
    assert "Activity “Final” saved." in good.content.decode()
    task.refresh_from_db()
    assert (task.subject, task.priority, timezone.localtime(task.due_at).hour) == (
        "Final", "high", 9)


def test_a_teammate_may_view_but_not_edit_an_activity(org, web):
    task = ActivityFactory(owner=org.sofia)
    client = web(org.sam)
    page = client.get(task.get_absolute_url())
    assert page.status_code == 200 and "Edit" not in page.content.decode().split("<main")[1]
    assert client.get(reverse("activity-update", args=[task.pk])).status_code == 403


def test_completing_from_the_timeline_updates_that_entry_in_place(org, web, on_commit):
    from crm.activities import services

    contact = ContactFactory(owner=org.sam)
    with on_commit():
        task = services.activity_create(actor=org.sam, kind=ActivityKind.TASK,
                                        regarding=contact, subject="Call back Friday")
    response = web(org.sam).post(reverse("activity-complete", args=[task.pk]),
                                 {"from": "timeline"}, **HTMX)
    html = response.content.decode()
    assert f'id="tl-act-{task.pk}"' in html and "completed" in html and "<tr" not in html
    contact.refresh_from_db()
    assert contact.open_activity_count == 0


def test_the_timeline_has_a_plain_page_for_browsers_without_javascript(org, web):
    contact = ContactFactory(owner=org.sam)
    ActivityFactory(contact=contact, owner=org.sam, subject="Visible without htmx")
    from crm.activities import aggregation

    aggregation.catch_up()
    response = web(org.sam).get(reverse("timeline", args=["account", contact.account_id]))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and "Visible without htmx" in html
    assert web(org.sam).get(reverse("timeline", args=["nonsense", 1])).status_code == 404
