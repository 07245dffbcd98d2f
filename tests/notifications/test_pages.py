"""The bell (cached count: no query on a page once known) and the notifications page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.notifications import services
from crm.notifications.models import Notification
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def make_notifications(org, on_commit, count=12):
    for i in range(count):
        opportunity = OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))
        with on_commit():
            services.post_create(record=opportunity, actor=org.sofia, body=f"@maria look {i}")


TABLE = '"notifications_notification"'


def counts(ctx):
    return [q for q in ctx.captured_queries if TABLE in q["sql"] and "COUNT" in q["sql"].upper()]


def test_bell_counts_unread_once_then_from_the_cache(org, web, on_commit):
    make_notifications(org, on_commit, count=3)
    client = web(org.maria)
    cache.clear()
    # A miss: the page renders the bell without a count; the bell loads it with one query.
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("profile"))
    assert counts(ctx) == [] and 'hx-trigger="load, notifications-changed' in \
        page.content.decode()
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("notification-bell"))
    assert len(counts(ctx)) == 1 and 'data-unread="3"' in page.content.decode()
    # Cached now: a page shows the count without counting.
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("notification-list") + "?show=unread&before=1")
    assert counts(ctx) == [] and 'data-unread="3"' in page.content.decode()
    assert 'hx-trigger="load, notifications-changed' not in page.content.decode()


def test_bell_cache_is_forgotten_on_write(org, web, on_commit):
    client = web(org.maria)
    assert 'data-unread="0"' in client.get(reverse("notification-bell")).content.decode()
    make_notifications(org, on_commit, count=1)
    assert 'data-unread="1"' in client.get(reverse("notification-bell")).content.decode()
    with on_commit():
        client.post(reverse("notification-read-all"))
    assert 'data-unread="0"' in client.get(reverse("notification-bell")).content.decode()


def test_page_with_a_cached_bell_adds_no_query(org, web, django_assert_max_num_queries):
    client = web(org.maria)
    client.get(reverse("notification-bell"))
    url = reverse("profile")
    client.get(url)
    with django_assert_max_num_queries(30) as ctx:
        client.get(url)
    assert not [q for q in ctx.captured_queries if TABLE in q["sql"]]


def test_notifications_page_groups_by_day_with_bounded_queries(
        org, web, on_commit, django_assert_max_num_queries):
    make_notifications(org, on_commit)
    Notification.objects.filter(pk__in=Notification.objects.order_by("id")
                                .values("pk")[:4]).update(
        created_at="2026-01-05T10:00:00Z")
    client = web(org.maria)
    client.get(reverse("notification-list"))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notification-list"))
    text = response.content.decode()
    assert text.count('class="notification unread"') == 12
    assert text.count("notification-day") == 2 and "Today" in text
    assert "mentioned you on" in text


def test_open_marks_read_and_redirects_to_the_post(org, web, on_commit):
    make_notifications(org, on_commit, count=1)
    n = Notification.objects.get(recipient=org.maria)
    client = web(org.maria)
    response = client.get(reverse("notification-open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{n.post_id}")
    n.refresh_from_db()
    assert n.read_at is not None
    assert web(org.sam).get(reverse("notification-open", args=[n.pk])).status_code == 404


def test_mark_read_htmx(org, web, on_commit):
    make_notifications(org, on_commit, count=1)
    n = Notification.objects.get(recipient=org.maria)
    response = web(org.maria).post(reverse("notification-read", args=[n.pk]),
                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "notifications-changed"
    assert "unread" not in response.content.decode().split(">")[0]


def test_email_preference_on_the_profile(org, web):
    client = web(org.maria)
    page = client.get(reverse("profile")).content.decode()
    assert 'id="notification-preferences"' in page and 'value="off" checked' in page
    response = client.post(reverse("notification-preferences"), {"email_delivery": "daily"})
    assert response.status_code == 302
    page = client.get(reverse("profile")).content.decode()
    assert 'value="daily" checked' in page
    client.post(reverse("notification-preferences"), {"email_delivery": "weekly"})
    assert 'value="daily" checked' in client.get(reverse("profile")).content.decode()


def test_record_page_query_count_with_posts(org, web, on_commit,
                                            django_assert_max_num_queries):
    from crm.activities import aggregation

    opportunity = OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))
    for i in range(8):
        post = services.post_create(record=opportunity, actor=org.sam, body=f"Post {i} @maria")
        services.post_create(record=opportunity, actor=org.maria, body=f"Re {i}", parent=post)
    aggregation.catch_up()
    client = web(org.sam)
    url = reverse("timeline", args=["opportunity", opportunity.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    # Ten newest entries: five posts and their replies (shown under each post).
    text = response.content.decode()
    assert text.count('class="post"') == 5 and text.count('class="post-reply"') == 5


@pytest.mark.parametrize("model", ["post", "notification", "follow", "notificationpreference"])
def test_admin_pages(org, web, on_commit, model):
    make_notifications(org, on_commit, count=1)
    client = web(org.admin)
    assert client.get(reverse(f"admin:notifications_{model}_changelist")).status_code == 200
    obj = {"post": "Post", "notification": "Notification"}.get(model)
    if obj:
        from django.apps import apps

        pk = apps.get_model("notifications", obj).objects.first().pk
        assert client.get(reverse(f"admin:notifications_{model}_change", args=[pk])
                          ).status_code == 200
