"""Posting on a record: mentions allowed and refused, replies one level deep, the edit window,
the timeline (and the account's rollup) and visibility."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from crm.activities import aggregation
from crm.activities.models import Event, TimelineEntry
from crm.common.errors import BusinessRuleViolation
from crm.notifications import services
from crm.notifications.models import Mention, Post
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity(org):
    return OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))


def test_mentioned_names_skip_email_addresses_and_punctuation():
    assert services.mentioned_names("Hi @maria, see bob@example.com and @sam.") == [
        "maria", "sam"]
    assert services.mentioned_names("@Maria @maria (@walt)") == ["Maria", "walt"]
    assert services.mentioned_names("no mention @ all") == []


def test_post_with_mention_writes_post_mentions_and_events(org, opportunity):
    post = services.post_create(record=opportunity, actor=org.sam,
                                body="@maria can you approve the discount?")
    assert post.record_type == "opportunity" and post.record_id == opportunity.pk
    assert list(Mention.objects.filter(post=post).values_list("user__username", flat=True)) \
        == ["maria"]
    actions = list(Event.objects.filter(record_type="opportunity", record_id=opportunity.pk)
                   .values_list("action", flat=True).order_by("id"))
    assert actions[-1] == "post_created"
    event = Event.objects.get(pk=post.event_id)
    assert event.data["post_id"] == post.pk and event.data["mention_usernames"] == ["maria"]


def test_mention_of_a_user_who_may_not_read_the_record_is_refused(org, opportunity):
    with pytest.raises(BusinessRuleViolation) as exc:
        services.post_create(record=opportunity, actor=org.sam, body="@olga what do you think?")
    assert "@olga may not read this opportunity" in exc.value.extra["fields"]["body"][0]
    assert not Post.objects.exists()
    assert not Event.objects.filter(action="post_created").exists()


def test_mention_of_an_unknown_user_is_refused(org, opportunity):
    with pytest.raises(BusinessRuleViolation) as exc:
        services.post_create(record=opportunity, actor=org.sam, body="ping @nobody")
    assert "@nobody" in exc.value.extra["fields"]["body"][0]


@pytest.mark.parametrize("username", ["sofia", "maria", "admin"])
def test_team_mates_managers_and_admins_may_be_mentioned(org, opportunity, username):
    post = services.post_create(record=opportunity, actor=org.sam, body=f"@{username} hi")
    assert post.mentions.get().username == username


def test_public_records_allow_anyone(org):
    account = AccountFactory(owner=org.sam)
    post = services.post_create(record=account, actor=org.sam, body="@olga welcome")
    assert post.mentions.get() == org.olga


def test_reply_to_a_reply_joins_the_top_post(org, opportunity):
    top = services.post_create(record=opportunity, actor=org.sam, body="Question")
    reply = services.post_create(record=opportunity, actor=org.maria, body="Answer", parent=top)
    again = services.post_create(record=opportunity, actor=org.sam, body="Thanks", parent=reply)
    assert reply.parent_id == top.pk and again.parent_id == top.pk


def test_reply_must_be_on_the_same_record(org, opportunity):
    other = OpportunityFactory(owner=org.sam)
    top = services.post_create(record=other, actor=org.sam, body="Elsewhere")
    with pytest.raises(BusinessRuleViolation):
        services.post_create(record=opportunity, actor=org.sam, body="x", parent=top)


def test_author_edits_and_deletes_within_the_window_only(org, opportunity, settings):
    settings.CRM_POST_EDIT_WINDOW_MINUTES = 15
    post = services.post_create(record=opportunity, actor=org.sam, body="First")
    with pytest.raises(PermissionDenied):
        services.post_update(post=post, actor=org.sofia, body="Not mine")
    services.post_update(post=post, actor=org.sam, body="First, edited @maria")
    post.refresh_from_db()
    assert post.body == "First, edited @maria" and post.edited_at is not None
    assert Event.objects.filter(action="post_edited", data__mentions=[org.maria.pk]).exists()
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    post.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.post_update(post=post, actor=org.sam, body="Too late")
    with pytest.raises(PermissionDenied):
        services.post_delete(post=post, actor=org.sam)
    services.post_delete(post=post, actor=org.admin)  # admins moderate
    assert not Post.objects.filter(pk=post.pk).exists()


def test_post_shows_on_the_record_and_rolls_up_to_the_account(org, opportunity, web):
    post = services.post_create(record=opportunity, actor=org.sam, body="Shared news @sofia")
    services.post_create(record=opportunity, actor=org.sofia, body="A reply", parent=post)
    aggregation.catch_up()
    assert TimelineEntry.objects.filter(event_id=post.event_id, record_type="account",
                                        record_id=opportunity.account_id,
                                        is_rollup=True).exists()
    page = web(org.sofia).get(reverse("timeline", args=["opportunity", opportunity.pk]))
    text = page.content.decode()
    assert f'id="post-{post.pk}"' in text and "Shared news" in text and "A reply" in text
    assert text.count("A reply") == 1  # shown under its post, not as an entry of its own
    from tests.panels import get_with_panels  # the timeline loads after the first paint

    page = get_with_panels(web(org.sofia), reverse("account-detail",
                                                   args=[opportunity.account_id]))
    assert "Shared news" in page


def test_deleted_post_leaves_the_timeline(org, opportunity, web):
    post = services.post_create(record=opportunity, actor=org.sam, body="Oops")
    aggregation.catch_up()
    services.post_delete(post=post, actor=org.sam)
    page = web(org.sam).get(reverse("timeline", args=["opportunity", opportunity.pk]))
    assert "Oops" not in page.content.decode()


def test_html_post_form_creates_and_shows_errors(org, opportunity, web):
    client = web(org.sam)
    url = reverse("post-create", args=["opportunity", opportunity.pk])
    response = client.post(url, {"body": "@olga look"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200
    assert "may not read this opportunity" in text and "@olga look" in text  # kept
    response = client.post(url, {"body": "Hello @sofia"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Hello" in response.content.decode()
    assert Post.objects.get().body == "Hello @sofia"


def test_reply_edit_and_delete_views(org, opportunity, web):
    post = services.post_create(record=opportunity, actor=org.sam, body="Top")
    client = web(org.maria)
    response = client.post(reverse("post-reply", args=[post.pk]), {"body": "Re @sam"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Re <strong" in response.content.decode()
    reply = Post.objects.get(parent=post)
    response = client.get(reverse("post-edit", args=[reply.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    response = client.post(reverse("post-edit", args=[reply.pk]), {"body": "Re, edited"},
                           HTTP_HX_REQUEST="true")
    assert "Re, edited" in response.content.decode()
    assert client.post(reverse("post-edit", args=[post.pk]), {"body": "x"}).status_code == 403
    response = client.post(reverse("post-delete", args=[reply.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and not Post.objects.filter(pk=reply.pk).exists()


def test_posts_of_a_record_another_team_cannot_read_are_404(org, opportunity, web):
    post = services.post_create(record=opportunity, actor=org.sam, body="Private")
    client = web(org.olga)
    assert client.post(reverse("post-reply", args=[post.pk]), {"body": "hi"}).status_code == 404
    assert client.get(reverse("post-edit", args=[post.pk])).status_code == 404
    assert client.post(reverse("post-create", args=["opportunity", opportunity.pk]),
                       {"body": "hi"}).status_code == 404
    assert client.get(reverse("post-mentions", args=["opportunity", opportunity.pk]),
                      {"q": "s"}).status_code == 404


def test_mention_suggestions_list_only_readers(org, opportunity, web):
    client = web(org.sam)
    url = reverse("post-mentions", args=["opportunity", opportunity.pk])
    text = client.get(url, {"body": "Hello @"}).content.decode()
    assert "@maria" in text and "@sofia" in text and "@olga" not in text and "@tom" not in text
    text = client.get(url, {"body": "Hello @so"}).content.decode()
    assert "@sofia" in text and "@maria" not in text
    assert client.get(url, {"body": "no mention"}).content == b""
