"""Issue 18: a seller mentions the manager on an opportunity; the manager sees the bell count,
opens the notification and replies; the seller is notified of the reply."""

import re

from playwright.sync_api import expect

from crm.notifications.models import Notification, Post
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/|/logout/|/$"))


def test_seller_mentions_the_manager_who_replies_from_the_notification(org, page, login):
    # Given Sam's opportunity at Globex
    account = AccountFactory(name="Globex Corporation", owner=org.sam)
    opportunity = OpportunityFactory(topic="Hammocks for Globex", owner=org.sam,
                                     account=account)
    login(page, org.sam)
    page.goto(opportunity.get_absolute_url())

    # When Sam types "@ma" in the post box, the people who may read the record are offered
    form = page.locator("form.post-form")
    box = form.get_by_label("Post")
    box.press_sequentially("@ma", delay=30)
    suggestion = form.locator("[data-mention-username=maria]")
    expect(suggestion).to_be_visible()
    expect(form.locator("[data-mention-username=olga]")).to_have_count(0)
    suggestion.click()
    expect(box).to_have_value("@maria ")
    box.press_sequentially("can we give Globex 10% off?")
    form.get_by_role("button", name="Post", exact=True).click()

    # Then the post is on the opportunity's timeline, with the mention highlighted
    post_el = page.locator("#timeline-panel article.post")
    expect(post_el).to_contain_text("can we give Globex 10% off?")
    expect(post_el.locator("strong.mention")).to_have_text("@maria")
    post = Post.objects.get()
    log_out(page)

    # When Maria, the manager, signs in, her bell shows one unread notification
    login(page, org.maria)
    bell = page.locator("#notification-bell")
    expect(bell.locator("[data-bell-count]")).to_contain_text("1")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    item = page.locator("li.notification.unread")
    expect(item).to_contain_text("mentioned you on Hammocks for Globex")
    expect(item).to_contain_text("can we give Globex 10% off?")

    # And opening it takes her to the post on the opportunity
    item.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/opportunities/{opportunity.pk}/#post-{post.pk}$"))
    thread = page.locator(f"#post-{post.pk}")
    expect(thread).to_be_visible()
    expect(page.locator("#notification-bell [data-bell-count]")).to_have_count(0)

    # Where she replies
    thread.locator("summary", has_text="Reply").click()
    reply_box = thread.get_by_label("Reply", exact=True)
    reply_box.fill("Yes, up to 10% is fine.")
    thread.get_by_role("button", name="Send reply").click()
    expect(page.locator(f"#post-{post.pk} .post-reply")).to_contain_text(
        "Yes, up to 10% is fine.")
    assert Notification.objects.get(recipient=org.maria).read_at is not None
    log_out(page)

    # Then Sam is told of the reply
    login(page, org.sam)
    expect(page.locator("#notification-bell [data-bell-count]")).to_contain_text("1")
    page.locator("#notification-bell").click()
    expect(page.locator("li.notification.unread")).to_contain_text(
        "replied on Hammocks for Globex")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("#notification-bell [data-bell-count]")).to_have_count(0)
