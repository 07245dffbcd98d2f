"""Sync against the real test Dovecot: first run, incremental run, UIDVALIDITY reset, dedupe
across mailboxes, threading, resume after a dropped connection, wrong password."""

import pytest

from crm.activities.models import Activity
from crm.mail.models import (
    EmailMessage,
    MailboxFolder,
    MailboxMessage,
    MailboxState,
)
from crm.mail.sync import mailbox_sync

from .messages import make_raw, msgid

pytestmark = pytest.mark.django_db(transaction=False)


def test_first_sync_stores_only_known_participants(org, carla, mailbox_for, deliver):
    box = mailbox_for(org.sam)
    known = make_raw(subject="Pricing question")
    private = make_raw(frm="Mum <mum@family.example>", subject="Sunday lunch")
    deliver(box, known)
    deliver(box, private)
    deliver(box, make_raw(frm="sam@crm.test", to="carla@acme.example", subject="Re: Pricing"),
            folder="Sent")

    result = mailbox_sync(box.pk)

    assert result.state == MailboxState.OK, result.notes
    assert result.fetched == 3
    stored = set(EmailMessage.objects.values_list("subject", flat=True))
    assert stored == {"Pricing question", "Re: Pricing"}
    assert not EmailMessage.objects.filter(subject="Sunday lunch").exists()
    # The private message is remembered by UID only (never fetched again), nothing else.
    assert MailboxMessage.objects.filter(mailbox=box, skipped="private").count() == 1
    message = EmailMessage.objects.get(message_id=msgid(known))
    assert message.direction == "incoming" and message.from_address == "carla@acme.example"
    assert message.activity.contact_id == carla.pk
    assert message.activity.state == "completed" and message.activity.owner_id == org.sam.pk
    sent = EmailMessage.objects.get(subject="Re: Pricing")
    assert sent.direction == "outgoing"
    box.refresh_from_db()
    assert box.state == "ok" and box.last_sync_at is not None and box.last_error == ""
    assert set(MailboxFolder.objects.filter(mailbox=box).values_list("name", "last_uid")) == {
        ("INBOX", 2), ("Sent", 1)}


def test_incremental_sync_fetches_only_new(org, carla, mailbox_for, deliver):
    box = mailbox_for(org.sam)
    deliver(box, make_raw(subject="One"))
    assert mailbox_sync(box.pk).fetched == 1
    again = mailbox_sync(box.pk)
    assert again.fetched == 0 and again.state == "ok"
    deliver(box, make_raw(subject="Two"))
    third = mailbox_sync(box.pk)
    assert third.fetched == 1 and third.stored == 1
    assert EmailMessage.objects.count() == 2
    assert Activity.objects.filter(kind="email").count() == 2


def test_uidvalidity_reset_rescans_without_duplicates(org, carla, mailbox_for, deliver,
                                                     mail_server):
    box = mailbox_for(org.sam)
    for n in range(3):
        deliver(box, make_raw(subject=f"Msg {n}"))
    assert mailbox_sync(box.pk).stored == 3
    before = MailboxFolder.objects.get(mailbox=box, name="INBOX").uidvalidity

    mail_server.reset_uidvalidity(box)
    deliver(box, make_raw(subject="Msg 3"))
    result = mailbox_sync(box.pk)

    folder = MailboxFolder.objects.get(mailbox=box, name="INBOX")
    assert folder.uidvalidity != before
    assert result.fetched == 4
    assert EmailMessage.objects.count() == 4
    assert Activity.objects.filter(kind="email").count() == 4
    assert MailboxMessage.objects.filter(mailbox=box, folder="INBOX").count() == 4


def test_one_message_in_two_mailboxes_is_stored_once(org, carla, mailbox_for, deliver):
    sam_box = mailbox_for(org.sam)
    sofia_box = mailbox_for(org.sofia)
    raw = make_raw(to="sam@crm.test", cc="sofia@crm.test", subject="Both of you")
    deliver(sam_box, raw)
    deliver(sofia_box, raw)

    mailbox_sync(sam_box.pk)
    mailbox_sync(sofia_box.pk)

    message = EmailMessage.objects.get()
    assert Activity.objects.filter(kind="email").count() == 1
    assert set(message.mailbox_items.values_list("mailbox_id", flat=True)) == {
        sam_box.pk, sofia_box.pk}
    assert set(message.tracked_by.values_list("pk", flat=True)) == {org.sam.pk, org.sofia.pk}


def test_replies_thread_by_in_reply_to_and_references(org, carla, mailbox_for, deliver):
    box = mailbox_for(org.sam)
    first = make_raw(subject="Project kickoff")
    deliver(box, first)
    mailbox_sync(box.pk)
    # A reply from someone unknown, in the tracked thread: tracked because of the thread.
    reply = make_raw(frm="Dan <dan@acme.example>", subject="Re: Project kickoff",
                     in_reply_to=msgid(first), references=msgid(first))
    later = make_raw(frm="Eve <eve@elsewhere.example>", subject="Re: Re: Project kickoff",
                     references=f"{msgid(first)} {msgid(reply)}")
    deliver(box, reply)
    deliver(box, later)
    mailbox_sync(box.pk)

    messages = list(EmailMessage.objects.order_by("id"))
    assert len(messages) == 3
    assert len({m.thread_id for m in messages}) == 1
    thread = messages[0].thread
    thread.refresh_from_db()
    assert thread.message_count == 3 and thread.subject == "Project kickoff"
    # The thread keeps its record: every message regards Carla.
    assert {m.activity.contact_id for m in messages} == {carla.pk}


def test_dropped_connection_resumes_without_gap_or_duplicate(org, carla, mailbox_for, deliver,
                                                           mail_server):
    box = mailbox_for(org.sam)
    for n in range(7):
        deliver(box, make_raw(subject=f"Batch msg {n}"))
    seen_batches = []

    def drop_after_first_batch(folder, batch):
        seen_batches.append(list(batch))
        if len(seen_batches) == 1:
            mail_server.kick(box)  # the server drops us between batches

    first = mailbox_sync(box.pk, batch_size=3, after_batch=drop_after_first_batch)
    assert first.state == "failing"
    box.refresh_from_db()
    assert box.state == "failing" and box.last_error
    assert EmailMessage.objects.count() == 3
    assert MailboxFolder.objects.get(mailbox=box, name="INBOX").last_uid == 3

    second = mailbox_sync(box.pk, batch_size=3)
    assert second.state == "ok"
    assert second.fetched == 4
    assert EmailMessage.objects.count() == 7
    assert sorted(EmailMessage.objects.values_list("subject", flat=True)) == [
        f"Batch msg {n}" for n in range(7)]
    box.refresh_from_db()
    assert box.state == "ok" and box.last_error == ""


def test_wrong_password_shows_server_message_and_disables_after_three(org, mailbox_for,
                                                                      settings):
    settings.CRM_MAIL_DISABLE_AFTER_AUTH_FAILURES = 3
    box = mailbox_for(org.sam, password="not-the-password")
    result = mailbox_sync(box.pk)
    box.refresh_from_db()
    assert result.state == "failing"
    assert box.state == "failing"
    assert "Authentication failed" in box.last_error  # Dovecot's own words
    assert box.auth_failures == 1 and box.last_error_at is not None
    mailbox_sync(box.pk)
    mailbox_sync(box.pk)
    box.refresh_from_db()
    assert box.state == "disabled" and box.auth_failures == 3
    # A disabled mailbox is not synced again until its owner fixes it.
    assert mailbox_sync(box.pk).state == "disabled"


def test_unreachable_server_is_failing_with_the_system_message(org, mailbox_for, mail_server):
    box = mailbox_for(org.sam)
    box.imap_port = 1  # nothing listens there
    box.save()
    result = mailbox_sync(box.pk)
    box.refresh_from_db()
    assert result.state == "failing" and box.state == "failing"
    assert "refused" in box.last_error.lower()
    assert box.auth_failures == 0


def test_a_running_sync_holds_a_lease_so_runs_never_overlap(org, carla, mailbox_for, deliver):
    from crm.mail.sync import _Lease

    box = mailbox_for(org.sam)
    deliver(box, make_raw(subject="Waiting"))
    lease = _Lease(box.pk)
    assert lease.acquire()
    try:
        result = mailbox_sync(box.pk)
        assert result.locked and result.fetched == 0
        assert not EmailMessage.objects.exists()
    finally:
        lease.release()
    assert mailbox_sync(box.pk).stored == 1


def test_beat_task_syncs_every_active_mailbox(org, carla, mailbox_for, deliver, settings):
    from crm.mail.tasks import sync_all

    sam_box = mailbox_for(org.sam)
    sofia_box = mailbox_for(org.sofia)
    sofia_box.state = MailboxState.DISABLED
    sofia_box.save()
    deliver(sam_box, make_raw(subject="For Sam"))
    deliver(sofia_box, make_raw(subject="For Sofia"))
    assert sync_all() == 1  # Celery runs inline in tests
    assert list(EmailMessage.objects.values_list("subject", flat=True)) == ["For Sam"]
