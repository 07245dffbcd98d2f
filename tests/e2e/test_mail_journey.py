"""A seller connects her mailbox, sees a customer's reply on the opportunity after "Sync now",
answers from the timeline with a template, and the message is on the IMAP server."""

import pytest
from playwright.sync_api import expect

from crm.mail.models import EmailMessage, EmailTemplate
from crm.mail.sending import email_send
from tests.factories import AccountFactory, ContactFactory
from tests.mail.conftest import (  # noqa: F401 - the real test mail servers
    deliver,
    imap_read,
    mail_login,
    mail_server,
    mail_token,
)
from tests.mail.messages import make_raw
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _mail_key(settings):
    settings.CRM_MAIL_KEY = "Lh5nxHQ1lSp0ZrKd1f0d3v2xX0oWb1Q9oE6M8c2o0bY="


def test_seller_answers_a_customer_reply_from_the_timeline_with_a_template(
        org, page, login, mail_server, mail_login, deliver, imap_read):  # noqa: F811
    sam_address, hank_address = mail_login("sam@crm.test"), mail_login("hank@acme.test")
    account = AccountFactory(name="Acme", owner=org.sam)
    hank = ContactFactory(first_name="Hank", last_name="Scorpio", email=hank_address,
                          account=account, owner=org.sam)
    opportunity = OpportunityFactory(owner=org.sam, topic="Hammocks for Acme", account=account,
                                     contact=hank)
    EmailTemplate.objects.create(
        name="Follow-up", owner=org.admin, shared=True,
        subject="Next steps: {{ opportunity.name }}",
        body="Hi {{ contact.first_name }},\n\nthanks for your answer about "
             "{{ opportunity.name }}.\n\n{{ user.first_name }}")
    # Sam wrote to Hank earlier (before connecting his mailbox: the system backend sent it)
    first = email_send(actor=org.sam, regarding_type="opportunity", regarding_id=opportunity.pk,
                       subject="Hammocks offer", body="Here is our offer.")
    csp_errors = []
    page.on("console", lambda msg: csp_errors.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    login(page, org.sam)

    # When Sam connects his mailbox on the settings page
    page.goto("/mail/settings/")
    page.get_by_label("Address").fill(sam_address)
    page.get_by_label("Display name").fill("Sam Seller")
    page.get_by_label("IMAP host").fill(mail_server.host)
    page.get_by_label("IMAP port").fill(str(mail_server.imap_port))
    page.get_by_label("IMAP security").select_option("none")
    page.get_by_label("SMTP host").fill(mail_server.host)
    page.get_by_label("SMTP port").fill(str(mail_server.smtp_port))
    page.get_by_label("SMTP security").select_option("none")
    page.get_by_label("Username").fill(sam_address)
    page.get_by_label("Password or app password").fill(mail_server.password)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="Sync now")).to_be_visible()

    # and Hank's reply arrives in Sam's mailbox; Sam clicks "Sync now"
    deliver(sam_address, make_raw(
        frm=f"Hank Scorpio <{hank_address}>", to=sam_address, subject="Re: Hammocks offer",
        body="Looks good. Can we talk about delivery?\n\nOn Monday Sam wrote:\n> Here is our "
             "offer.\n", in_reply_to=first.message_id, references=first.message_id))
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".messages")).to_contain_text("Sync")

    # Then the reply is on the opportunity's timeline, its thread collapsed, history folded
    page.goto(opportunity.get_absolute_url())
    panel = page.locator("#timeline-panel")
    entry = panel.locator("li.tl-entry", has_text="Can we talk about delivery?")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("2 messages")
    expect(entry.locator("details.mail-quoted")).not_to_have_attribute("open", "")

    # When Sam answers from the timeline with the template
    entry.get_by_role("link", name="Reply").click()
    compose = page.locator("form[aria-label='Write an email']")
    expect(compose.get_by_label("To")).to_have_value(hank_address)
    compose.get_by_label("Template").select_option(label="Follow-up")
    expect(compose.get_by_label("Message")).to_have_value(
        "Hi Hank,\n\nthanks for your answer about Hammocks for Acme.\n\n"
        + org.sam.first_name)
    expect(compose.get_by_label("Subject")).to_have_value("Next steps: Hammocks for Acme")
    compose.get_by_role("button", name="Send").click()

    # Then the timeline says it was sent and shows it (the send ran inline: SMTP, then the
    # copy to Sent over IMAP, so give a busy machine time)
    expect(panel.locator(".message-success")).to_contain_text(
        "Email “Next steps: Hammocks for Acme” sent.", timeout=30_000)
    expect(panel.locator("li.tl-entry").first).to_contain_text("thanks for your answer")
    expect(panel.locator("li.tl-entry").first).to_contain_text("3 messages")

    # and the message is on the IMAP server: Hank's INBOX and Sam's Sent folder
    sent = EmailMessage.objects.get(subject="Next steps: Hammocks for Acme")
    assert sent.status == "sent" and sent.thread_id == first.thread_id
    assert sent.in_reply_to == EmailMessage.objects.get(subject="Re: Hammocks offer").message_id
    inbox = [m for m in imap_read(hank_address) if m.subject == sent.subject]
    assert [m.headers["message-id"][0].strip() for m in inbox] == [sent.message_id]
    assert sent.message_id in [m.headers["message-id"][0].strip()
                               for m in imap_read(sam_address, "Sent")]
    assert csp_errors == []


def test_on_a_phone_the_keyboard_opens_closes_and_sends_the_compose_form(
        org, new_context, login):
    from django.core import mail

    contact = ContactFactory(first_name="Ann", last_name="Lee", email="ann@example.com",
                             owner=org.sam)
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                          has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login(page, org.sam)
        page.goto(contact.get_absolute_url())
        email_button = page.locator("#timeline-panel [data-mail-open]")
        email_button.click()
        compose = page.locator("form[aria-label='Write an email']")
        expect(compose.get_by_label("To")).to_have_value("ann@example.com")
        # Escape closes it and gives the focus back to the button
        compose.get_by_label("Subject").press("Escape")
        expect(compose).to_have_count(0)
        expect(email_button).to_be_focused()
        # Open it again from the keyboard; the first empty field has the focus
        email_button.press("Enter")
        expect(compose.get_by_label("Subject")).to_be_focused()
        page.keyboard.type("Hello {{ contact.first_name }}")
        compose.get_by_label("Message").fill("See you on Monday.")
        # The form fits the phone's width (no sideways scrolling)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        compose.get_by_label("Message").press("Control+Enter")
        expect(page.locator("#timeline-panel .message-success")).to_contain_text(
            "Email “Hello Ann”", timeout=30_000)
        assert [m.subject for m in mail.outbox] == ["Hello Ann"]
    finally:
        context.close()
