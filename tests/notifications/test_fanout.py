"""Notifications: fan-out to followers without the actor, mentions and replies, no duplicates
when a task runs twice, email preference (instant / daily / off) and follows."""

import pytest
from django.core import mail

from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.assistant import digest
from crm.notifications import services, tasks
from crm.notifications.models import EmailStatus, EventFanout, Notification
from opportunities import services as opportunity_services
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam),
                              stage="develop", customer_need="Scan cards")


def reasons(event_id=None):
    qs = Notification.objects.all()
    if event_id:
        qs = qs.filter(event_id=event_id)
    return {n.recipient.username: n.reason for n in qs.select_related("recipient")}


def test_mention_notifies_the_mentioned_user_not_the_actor(org, opportunity, on_commit):
    with on_commit():
        post = services.post_create(record=opportunity, actor=org.sam, body="@maria @sam ok?")
    assert reasons(post.event_id) == {"maria": "mention"}
    n = Notification.objects.get()
    assert n.post_id == post.pk and n.actor == org.sam and n.record_label == opportunity.topic
    assert services.notification_url(n).endswith(f"/#post-{post.pk}") or \
        services.notification_url(n).endswith(f"#post-{post.pk}")


def test_followers_hear_of_transitions_posts_and_emails_but_not_the_actor(
        org, opportunity, on_commit):
    services.follow_set(user=org.sofia, record=opportunity, following=True)
    with on_commit():
        opportunity_services.opportunity_advance(opportunity=opportunity, actor=org.maria)
    # The owner follows automatically; the actor (maria) is never told of her own change.
    assert reasons() == {"sam": "transition", "sofia": "transition"}
    Notification.objects.all().delete()
    with on_commit():
        post = services.post_create(record=opportunity, actor=org.sofia, body="News")
    assert reasons(post.event_id) == {"sam": "post"}
    with on_commit():
        event = record_event(record=opportunity, actor=None, action=EventType.EMAIL_RECEIVED,
                             note="Re: offer", data={"email_id": 1})
    assert reasons(event.pk) == {"sam": "email", "sofia": "email"}


def test_reply_notifies_the_thread(org, opportunity, on_commit):
    services.follow_set(user=org.sam, record=opportunity, following=False)  # owner opts out
    with on_commit():
        top = services.post_create(record=opportunity, actor=org.sam, body="@maria question")
    with on_commit():
        reply = services.post_create(record=opportunity, actor=org.maria, body="Answer",
                                     parent=top)
    assert reasons(reply.event_id) == {"sam": "reply"}


def test_a_follower_who_can_no_longer_read_the_record_is_not_told(org, opportunity, on_commit):
    services.follow_set(user=org.olga, record=opportunity, following=True)
    with on_commit():
        services.post_create(record=opportunity, actor=org.sofia, body="Secret")
    assert "olga" not in reasons()


def test_no_duplicate_notifications_when_the_task_runs_twice(org, opportunity, on_commit):
    with on_commit():
        post = services.post_create(record=opportunity, actor=org.sofia, body="@maria hi")
    assert Notification.objects.count() == 2  # maria (mention), sam (owner, follower)
    assert tasks.fan_out_event(post.event_id) == 0
    assert services.catch_up() == 0 or Notification.objects.count() == 2
    assert Notification.objects.count() == 2


def test_catch_up_fans_out_events_written_in_bulk(org, opportunity):
    from crm.activities.models import Event

    services.catch_up()  # sets the cursor
    event = Event.objects.create(record_type="opportunity", record_id=opportunity.pk,
                                 action="email.received", note="Hello")
    assert services.catch_up() == 1
    assert reasons(event.pk) == {"sam": "email"}
    assert EventFanout.objects.filter(event=event).exists()
    assert services.catch_up() == 0


def test_instant_email_is_sent_once(org, opportunity, on_commit):
    services.preference_set(user=org.maria, email_delivery="instant")
    org.maria.email = "maria@example.com"
    org.maria.save()
    with on_commit():
        services.post_create(record=opportunity, actor=org.sam, body="@maria please approve")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.com"] and "mentioned you" in message.subject
    assert "please approve" in message.body and f"/opportunities/{opportunity.pk}/" in message.body
    n = Notification.objects.get(recipient=org.maria)
    assert n.email_status == EmailStatus.SENT and n.emailed_at is not None
    assert tasks.send_notification_email(n.pk) is False  # a second run sends nothing
    assert len(mail.outbox) == 1


def test_daily_preference_goes_into_the_assistant_digest_once(org, opportunity, on_commit):
    services.preference_set(user=org.maria, email_delivery="daily")
    org.maria.email = "maria@example.com"
    org.maria.save()
    with on_commit():
        services.post_create(record=opportunity, actor=org.sam, body="@maria for tomorrow")
    assert mail.outbox == []
    assert Notification.objects.get(recipient=org.maria).email_status == EmailStatus.DAILY
    assert digest.send_digests() == 1
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "mentioned you" in body and "for tomorrow" in body
    assert Notification.objects.get(recipient=org.maria).email_status == EmailStatus.SENT
    assert digest.send_digests() == 0
    assert len(mail.outbox) == 1


def test_off_preference_sends_no_email(org, opportunity, on_commit):
    org.maria.email = "maria@example.com"
    org.maria.save()
    with on_commit():
        services.post_create(record=opportunity, actor=org.sam, body="@maria in the app only")
    assert mail.outbox == []
    assert Notification.objects.get(recipient=org.maria).email_status == EmailStatus.NONE
    assert digest.send_digests() == 0


def test_follow_and_unfollow(org, opportunity, web):
    from django.urls import reverse

    from crm.notifications import selectors

    assert selectors.follow_state(user=org.sam, record_type="opportunity", record=opportunity)
    assert not selectors.follow_state(user=org.sofia, record_type="opportunity",
                                      record=opportunity)
    client = web(org.sofia)
    url = reverse("record-follow", args=["opportunity", opportunity.pk])
    response = client.post(url, {"follow": "1"}, HTTP_HX_REQUEST="true")
    assert "Following" in response.content.decode()
    assert selectors.follower_ids(record_type="opportunity", record=opportunity) == {
        org.sam.pk, org.sofia.pk}
    web(org.sam).post(url, {"follow": "0"})
    assert selectors.follower_ids(record_type="opportunity", record=opportunity) == {
        org.sofia.pk}
    assert web(org.olga).post(url, {"follow": "1"}).status_code == 404
    from tests.panels import get_with_panels  # panels load after the first paint

    page = get_with_panels(web(org.sofia), reverse("opportunity-detail", args=[opportunity.pk]))
    assert 'id="follow-panel"' in page


def test_a_reassigned_record_tells_its_new_owner(org, opportunity, on_commit):
    with on_commit():
        opportunity_services.opportunity_update(opportunity=opportunity, actor=org.maria,
                                                owner=org.sofia)
    assert reasons() == {"sofia": "transition"}


def test_won_and_lost_reach_followers(org, on_commit):
    opportunity = OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))
    services.follow_set(user=org.maria, record=opportunity, following=True)
    with on_commit():
        opportunity_services.opportunity_lose(opportunity=opportunity, actor=org.sam,
                                              reason="out_sold")
    n = Notification.objects.get()
    assert n.recipient == org.maria and n.reason == "transition"
    assert "Lost" in n.event.title


def test_the_first_catch_up_does_not_announce_old_history(org, opportunity):
    from crm.activities.models import Event

    Event.objects.create(record_type="opportunity", record_id=opportunity.pk,
                         action="email.received", note="Long ago")
    assert services.catch_up() == 0
    assert services.catch_up() == 0
    assert not Notification.objects.exists()
