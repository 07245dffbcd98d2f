"""At most once: concurrent retries and duplicate deliveries hand a message to SMTP once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from crm.common.errors import TransitionNotAllowed
from crm.mail.models import EmailMessage, EmailStatus
from crm.mail.sending import email_retry, email_send, message_deliver
from tests.factories import ContactFactory


@pytest.fixture(autouse=True)
def _mail_key(settings):
    settings.CRM_MAIL_KEY = "Lh5nxHQ1lSp0ZrKd1f0d3v2xX0oWb1Q9oE6M8c2o0bY="


def _run_together(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as exc:  # the outcome is what the test looks at
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _failed_message(org, mailbox_for, mail_login, mail_server):
    mailbox = mailbox_for(org.sam, password="wrong")
    customer = mail_login("hank@acme.test")
    contact = ContactFactory(email=customer, owner=org.sam)
    message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                         subject="Offer", body="Hello")  # commits: the send runs and fails
    message.refresh_from_db()
    assert message.status == EmailStatus.FAILED
    mailbox.set_password(mail_server.password)
    mailbox.save()
    return message, customer


def test_two_concurrent_retries_send_once(transactional_db, org, mailbox_for, mail_login,
                                          mail_server, imap_read):
    message, customer = _failed_message(org, mailbox_for, mail_login, mail_server)

    results = _run_together(2, lambda: email_retry(
        message=EmailMessage.objects.get(pk=message.pk), actor=org.sam))

    refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert len(refused) == 1, results
    message.refresh_from_db()
    assert message.status == EmailStatus.SENT
    assert len(imap_read(customer)) == 1


def test_two_workers_delivering_one_message_send_it_once(transactional_db, org, mailbox_for,
                                                          mail_login, mail_server, imap_read):
    message, customer = _failed_message(org, mailbox_for, mail_login, mail_server)
    # Queued again (as a retry does), and two workers pick the same task up at once.
    EmailMessage.objects.filter(pk=message.pk).update(status=EmailStatus.SENDING)

    results = _run_together(4, lambda: message_deliver(message_id=message.pk))

    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(imap_read(customer)) == 1


def test_a_message_whose_task_was_lost_is_queued_again_and_sent_once(
        transactional_db, org, mailoutbox):
    from django.utils import timezone

    from crm.mail.sending import requeue_unclaimed

    contact = ContactFactory(email="ann@example.com", owner=org.sam)
    message = email_send(actor=org.sam, regarding_type="contact", regarding_id=contact.pk,
                         subject="Hi", body="Hello")
    assert len(mailoutbox) == 1
    # As if the task had been lost: still `sending`, never claimed, ten minutes old
    EmailMessage.objects.filter(pk=message.pk).update(
        status=EmailStatus.SENDING, send_claimed_at=None,
        updated_at=timezone.now() - timedelta(minutes=10))
    assert requeue_unclaimed() == 1
    assert EmailMessage.objects.get(pk=message.pk).status == EmailStatus.SENT
    assert len(mailoutbox) == 2  # the lost one went out now
    assert requeue_unclaimed() == 0  # and never again
    # a claimed message that never finished is left alone (it may have gone out)
    EmailMessage.objects.filter(pk=message.pk).update(
        status=EmailStatus.SENDING, send_claimed_at=timezone.now(),
        updated_at=timezone.now() - timedelta(minutes=10))
    assert requeue_unclaimed() == 0
