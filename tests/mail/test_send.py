"""Sending from a record through the real test SMTP server, read back over IMAP."""

from email import message_from_bytes

import pytest

from crm.activities.models import Event, TimelineEntry
from crm.mail.models import EmailMessage, EmailStatus
from crm.mail.sending import email_send
from tests.factories import AccountFactory, ContactFactory
from tests.panels import get_with_panels


@pytest.fixture(autouse=True)
def _mail_key(settings):
    settings.CRM_MAIL_KEY = "Lh5nxHQ1lSp0ZrKd1f0d3v2xX0oWb1Q9oE6M8c2o0bY="


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _header(msg, name):
    return msg.headers[name.lower()][0].strip()


def test_a_sent_email_reaches_the_recipient_and_the_senders_sent_folder(
        org, mailbox_for, mail_login, imap_read, run_on_commit):
    # Given Sam with a connected mailbox and his contact Hank
    mailbox = mailbox_for(org.sam)
    hank_address = mail_login("hank@acme.test")
    account = AccountFactory(name="Acme", owner=org.sam)
    contact = ContactFactory(first_name="Hank", last_name="Scorpio", email=hank_address,
                             account=account, owner=org.sam)

    # When Sam sends an email from Hank's record (recipient defaulted to Hank's address)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Hello {{ contact.first_name }}",
                             body="Hi {{ contact.first_name }},\n\nthe offer for "
                                  "{{ account.name }} follows.\n{{ user.first_name }}")

    # Then it is sent, with a Message-ID in Sam's domain
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert message.to == [hank_address]
    assert message.message_id.startswith("<") and message.message_id.endswith("@crm.test>")
    # and Hank's INBOX has it, merged
    inbox = imap_read(hank_address)
    assert len(inbox) == 1
    assert _header(inbox[0], "Message-ID") == message.message_id
    assert inbox[0].subject == "Hello Hank"
    assert "the offer for Acme follows." in inbox[0].text
    # and Sam's Sent folder on the IMAP server has the same message
    sent = imap_read(mailbox, "Sent")
    assert [_header(m, "Message-ID") for m in sent] == [message.message_id]
    # and it is a completed email activity on Hank's timeline (and his account's), plus the
    # email.sent event
    activity = message.activity
    assert activity.kind == "email" and activity.state == "completed"
    assert activity.direction == "outgoing"
    assert TimelineEntry.objects.filter(record_type="account", record_id=account.pk,
                                        activity=activity).exists()
    assert Event.objects.filter(record_type="contact", record_id=contact.pk,
                                action="email.sent").count() == 1


def test_without_a_mailbox_the_system_backend_sends(org, run_on_commit, mailoutbox):
    contact = ContactFactory(first_name="Ann", email="ann@example.com", owner=org.sam)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Hi", body="Hello Ann")
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert len(mailoutbox) == 1
    raw = message_from_bytes(mailoutbox[0].message().as_bytes())
    assert raw["Message-ID"] == message.message_id
    assert EmailMessage.objects.count() == 1


def _closed_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    return port


def test_a_quote_pdf_is_attached_to_the_sent_message(org, mailbox_for, mail_login, imap_read,
                                                    run_on_commit):
    from tests.quotes.factories import make_active_quote

    mailbox_for(org.sam)
    customer = mail_login("buyer@acme.test")
    quote = make_active_quote(owner=org.sam)
    quote.contact.email = customer
    quote.contact.save()
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="quote", regarding_id=quote.pk,
                             subject="Your quote {{ quote.number }}",
                             body="Please find quote {{ quote.number }} attached.",
                             attach=[f"quote:{quote.pk}"])
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    [received] = imap_read(customer)
    assert received.subject == f"Your quote {quote.number}"
    [pdf] = [a for a in received.attachments if a.content_type == "application/pdf"]
    assert pdf.filename == f"{quote.number}.pdf"
    assert pdf.payload.startswith(b"%PDF")
    assert message.attachments.get().filename == f"{quote.number}.pdf"


def test_a_wrong_smtp_password_fails_with_the_servers_message_and_keeps_the_draft(
        org, mailbox_for, mail_login, imap_read, run_on_commit):
    mailbox_for(org.sam, password="not-the-password")
    customer = mail_login("hank@acme.test")
    contact = ContactFactory(email=customer, owner=org.sam)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Offer", body="The offer, as promised.")
    message.refresh_from_db()
    assert message.status == EmailStatus.FAILED
    assert message.error.startswith("535")  # the SMTP server's own answer
    assert message.text == "The offer, as promised."  # the draft is kept
    assert message.activity.state == "open"  # still to do
    assert imap_read(customer) == []


def test_a_closed_smtp_port_fails_with_connection_refused(org, mailbox_for, run_on_commit):
    mailbox = mailbox_for(org.sam)
    mailbox.smtp_port = _closed_port()
    mailbox.save()
    contact = ContactFactory(email="hank@acme.test", owner=org.sam)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Offer", body="Hello")
    message.refresh_from_db()
    assert message.status == EmailStatus.FAILED
    assert "refused" in message.error.lower()
    assert "127.0.0.1" in message.error


def test_a_retry_after_a_failure_sends_exactly_once(org, mailbox_for, mail_login, imap_read,
                                                   run_on_commit, mail_server):
    from crm.common.errors import TransitionNotAllowed
    from crm.mail.sending import email_retry, message_deliver

    mailbox = mailbox_for(org.sam, password="wrong")
    customer = mail_login("hank@acme.test")
    contact = ContactFactory(email=customer, owner=org.sam)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Offer", body="Hello")
    message.refresh_from_db()
    assert message.status == EmailStatus.FAILED
    # Sam fixes his password and retries
    mailbox.set_password(mail_server.password)
    mailbox.save()
    with run_on_commit():
        email_retry(message=message, actor=org.sam)
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT and message.error == ""
    assert message.activity.state == "completed"
    # A second retry, or a duplicate task, sends nothing
    with pytest.raises(TransitionNotAllowed):
        email_retry(message=message, actor=org.sam)
    assert message_deliver(message_id=message.pk) == "skipped"
    assert len(imap_read(customer)) == 1
    assert [m.headers["message-id"][0].strip() for m in imap_read(mailbox, "Sent")] == [
        message.message_id]


def test_the_same_idempotency_key_sends_once(org, run_on_commit, mailoutbox):
    contact = ContactFactory(email="ann@example.com", owner=org.sam)
    with run_on_commit():
        first = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                           subject="Hi", body="Hello", idempotency_key="k-1")
    with run_on_commit():
        second = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                            subject="Hi", body="Hello", idempotency_key="k-1")
    assert first.pk == second.pk
    assert len(mailoutbox) == 1


def test_an_unreadable_record_cannot_be_written_from(org):
    from django.http import Http404

    from tests.opportunities.factories import OpportunityFactory

    opportunity = OpportunityFactory(owner=org.olga)
    with pytest.raises(Http404):
        email_send(actor=org.sam, regarding_type="opportunity", regarding_id=opportunity.pk,
                   to="x@example.com", subject="Hi", body="Hello")


def test_no_address_on_the_record_is_a_field_error(org):
    from django.core.exceptions import ValidationError

    contact = ContactFactory(email="", owner=org.sam)
    with pytest.raises(ValidationError) as error:
        email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                   subject="Hi", body="Hello")
    assert "to" in error.value.message_dict


def test_default_recipients_follow_the_record(org):
    from crm.mail.sending import default_recipients
    from tests.opportunities.factories import OpportunityFactory

    account = AccountFactory(owner=org.sam, email="office@acme.test")
    assert default_recipients(account) == ["office@acme.test"]
    primary = ContactFactory(account=account, email="boss@acme.test", owner=org.sam)
    account.primary_contact = primary
    account.save()
    assert default_recipients(account) == ["boss@acme.test"]
    opportunity = OpportunityFactory(owner=org.sam, account=account,
                                     contact=ContactFactory(email="buyer@acme.test",
                                                            account=account, owner=org.sam))
    assert default_recipients(opportunity) == ["buyer@acme.test"]
    opportunity.contact = None
    assert default_recipients(opportunity) == ["boss@acme.test"]
    loner = ContactFactory(email="", account=None, owner=org.sam)
    assert default_recipients(loner) == []


def test_a_reply_synced_from_the_inbox_joins_the_thread_and_the_record(
        org, mailbox_for, mail_login, deliver, run_on_commit):
    from crm.mail.sync import mailbox_sync
    from tests.mail.messages import make_raw
    from tests.opportunities.factories import OpportunityFactory

    mailbox = mailbox_for(org.sam)
    customer = mail_login("hank@acme.test")
    opportunity = OpportunityFactory(owner=org.sam, topic="Hammocks for Acme")
    opportunity.contact = ContactFactory(first_name="Hank", email=customer, owner=org.sam,
                                         account=opportunity.account)
    opportunity.save()
    with run_on_commit():
        sent = email_send(actor=org.sam, regarding_type="opportunity",
                          regarding_id=opportunity.pk, subject="{{ opportunity.name }}",
                          body="Hi {{ contact.first_name }}, here is our offer.")
    sent.refresh_from_db()
    assert sent.subject == "Hammocks for Acme"
    # Hank answers; his reply lands in Sam's INBOX
    deliver(mailbox, make_raw(frm=f"Hank <{customer}>", to=mailbox.address,
                              subject="Re: Hammocks for Acme", body="Sounds good.\n",
                              in_reply_to=sent.message_id, references=sent.message_id))
    with run_on_commit():
        mailbox_sync(mailbox.pk)

    reply = EmailMessage.objects.get(in_reply_to=sent.message_id)
    assert reply.direction == "incoming"
    assert reply.thread_id == sent.thread_id
    assert (reply.activity.regarding_type, reply.activity.regarding_id) == (
        "opportunity", opportunity.pk)
    # The Sent folder's copy of Sam's message was recognised, not stored twice
    assert EmailMessage.objects.filter(message_id=sent.message_id).count() == 1
    assert EmailMessage.objects.count() == 2


def test_a_failed_email_shows_its_error_and_a_retry_button_on_the_timeline(
        org, web, mailbox_for, mail_login, mail_server, imap_read, run_on_commit):
    from crm.activities import aggregation

    mailbox = mailbox_for(org.sam, password="wrong")
    customer = mail_login("hank@acme.test")
    contact = ContactFactory(email=customer, owner=org.sam)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Offer", body="The offer.")
    aggregation.process_items(activity_ids=[message.activity_id])
    client = web(org.sam)
    page = get_with_panels(client, contact.get_absolute_url())
    assert "Not sent: 535" in page and f"/mail/messages/{message.pk}/retry/" in page

    mailbox.set_password(mail_server.password)
    mailbox.save()
    with run_on_commit():
        response = client.post(f"/mail/messages/{message.pk}/retry/",
                               {"record": f"contact:{contact.pk}"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert "Not sent" not in response.content.decode()
    assert len(imap_read(customer)) == 1
    # another team's seller cannot retry it (it does not exist for them)
    assert web(org.olga).post(f"/mail/messages/{message.pk}/retry/").status_code == 404


def test_a_refused_recipient_fails_with_the_servers_answer(org, mailbox_for, run_on_commit):
    mailbox_for(org.sam)
    contact = ContactFactory(email="reject-me@acme.test", owner=org.sam)
    with run_on_commit():
        message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                             subject="Hi", body="Hello")
    message.refresh_from_db()
    assert message.status == EmailStatus.FAILED
    assert message.error.startswith("reject-me@acme.test: 550")
