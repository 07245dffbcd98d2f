"""Assistant cards from email: customer replied, no reply after N days (admin threshold),
competitor named on an open opportunity, mailbox disabled; the `email.received` event."""

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from crm.activities.models import Event
from crm.assistant.engine import scan
from crm.assistant.models import Card
from crm.mail.models import EmailMessage, MailSettings
from crm.mail.services import message_link
from crm.mail.sync import mailbox_sync
from opportunities.models import CloseRecord
from tests.opportunities.factories import OpportunityFactory

from .messages import make_raw, msgid

pytestmark = pytest.mark.django_db


def _ago(**kwargs):
    return format_datetime(timezone.now() - timedelta(**kwargs))


def _cards(kind):
    return list(Card.objects.filter(kind=kind))


def test_customer_replied_card_and_it_goes_when_we_answer(org, box, deliver,
                                                          django_capture_on_commit_callbacks):
    sent = make_raw(frm="Sam <sam@crm.test>", to="carla@acme.example", subject="Our offer",
                    date=_ago(days=1))
    reply = make_raw(frm="Carla <carla@acme.example>", subject="Re: Our offer",
                     in_reply_to=msgid(sent), date=_ago(hours=1))
    deliver(box, sent, folder="Sent")
    deliver(box, reply)
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_sync(box.pk)

    [card] = _cards("email_customer_replied")  # event-driven: no scan needed
    message = EmailMessage.objects.get(message_id=msgid(reply))
    assert card.user_id == org.sam.pk and card.record_type == "email"
    assert card.record_id == message.pk and "Our offer" in card.title
    assert card.record_url() == f"/mail/emails/{message.pk}/"

    deliver(box, make_raw(frm="Sam <sam@crm.test>", to="carla@acme.example",
                          subject="Re: Our offer", in_reply_to=msgid(reply)), folder="Sent")
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_sync(box.pk)
    assert _cards("email_customer_replied") == []


def test_no_reply_after_three_days_with_an_admin_threshold(org, box, deliver):
    deliver(box, make_raw(frm="Sam <sam@crm.test>", to="carla@acme.example",
                          subject="Checking in", date=_ago(days=4)), folder="Sent")
    deliver(box, make_raw(frm="Sam <sam@crm.test>", to="carla@acme.example",
                          subject="Fresh one", date=_ago(days=1)), folder="Sent")
    mailbox_sync(box.pk)
    scan(full=True)
    [card] = _cards("email_no_reply")
    assert card.user_id == org.sam.pk and "Checking in" in card.title

    settings_row = MailSettings.load()
    settings_row.no_reply_days = 5
    settings_row.save()
    scan(full=True)
    assert _cards("email_no_reply") == []


def test_a_reply_clears_the_no_reply_card(org, box, deliver):
    sent = make_raw(frm="Sam <sam@crm.test>", to="carla@acme.example", subject="Proposal",
                    date=_ago(days=5))
    deliver(box, sent, folder="Sent")
    mailbox_sync(box.pk)
    scan(full=True)
    assert len(_cards("email_no_reply")) == 1
    deliver(box, make_raw(frm="carla@acme.example", subject="Re: Proposal",
                          in_reply_to=msgid(sent), date=_ago(days=1)))
    mailbox_sync(box.pk)
    scan(full=True)
    assert _cards("email_no_reply") == []


def test_competitor_named_on_an_open_opportunity(org, box, deliver):
    opportunity = OpportunityFactory(owner=org.sam, topic="CRM rollout")
    lost = OpportunityFactory(owner=org.sofia)
    CloseRecord.objects.create(opportunity=lost, outcome="lost", status_reason="out_sold",
                               close_date=timezone.localdate(), competitor="Initrode")
    settings_row = MailSettings.load()
    settings_row.competitors = "Globex CRM\n"
    settings_row.save()

    first = make_raw(frm="carla@acme.example", subject="Rollout")
    deliver(box, first)
    mailbox_sync(box.pk)
    message_link(message=EmailMessage.objects.get(message_id=msgid(first)),
                 record_type="opportunity", record_id=opportunity.pk, actor=org.sam)
    deliver(box, make_raw(frm="carla@acme.example", subject="Re: Rollout",
                          in_reply_to=msgid(first),
                          body="Honestly, initrode offered us a better price."))
    deliver(box, make_raw(frm="carla@acme.example", subject="Unrelated",
                          body="We also looked at Globex CRMs but never mind."))
    mailbox_sync(box.pk)
    scan(full=True)

    [card] = _cards("email_competitor")
    assert card.user_id == org.sam.pk
    assert card.title == "Competitor named: initrode"
    assert "CRM rollout" in card.body


def test_mailbox_disabled_card_for_the_owner(org, mailbox_for, settings,
                                             django_capture_on_commit_callbacks):
    settings.CRM_MAIL_DISABLE_AFTER_AUTH_FAILURES = 2
    box = mailbox_for(org.sam, password="wrong")
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_sync(box.pk)
        mailbox_sync(box.pk)
    [card] = _cards("mailbox_disabled")
    assert card.user_id == org.sam.pk and card.record_type == "mailbox"
    assert "Authentication failed" in card.body
    assert card.record_url() == f"/mail/mailboxes/{box.pk}/"


def test_email_received_event_on_the_record(org, box, deliver, carla):
    raw = make_raw(frm="carla@acme.example", subject="Event please")
    deliver(box, raw)
    mailbox_sync(box.pk)
    event = Event.objects.get(action="email.received")
    assert (event.record_type, event.record_id) == ("contact", carla.pk)
    assert event.data["email_id"] == EmailMessage.objects.get(message_id=msgid(raw)).pk
