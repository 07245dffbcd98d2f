"""A queue mailbox turns email queries from unknown senders into leads (source `email`)."""

import pytest

from crm.mail.models import EmailMessage, MailboxKind
from crm.mail.signature import parse_signature
from crm.mail.sync import mailbox_sync
from leads.models import Lead
from tests.factories import ContactFactory
from tests.leads.factories import LeadFactory

from .messages import make_raw, msgid

pytestmark = pytest.mark.django_db

ENQUIRY = """Hello,

we are looking for 40 licences of your CRM for our sales team. Could you send us an offer?

Best regards
Jane Doe
Head of Purchasing | Initech GmbH
Tel. +49 30 1234567
Mobile: +49 171 2345678
www.initech.example
"""


@pytest.fixture
def queue(org, mailbox_for):
    return mailbox_for(org.admin, address="sales@crm.test", kind=MailboxKind.QUEUE)


def test_enquiry_from_unknown_sender_becomes_a_lead(org, queue, deliver):
    raw = make_raw(frm="Jane Doe <jane.doe@initech.example>", to="sales@crm.test",
                   subject="Offer for 40 licences", body=ENQUIRY)
    deliver(queue, raw)
    result = mailbox_sync(queue.pk)
    assert result.state == "ok" and result.stored == 1

    lead = Lead.objects.get()
    assert lead.source == "email" and lead.topic == "Offer for 40 licences"
    assert (lead.first_name, lead.last_name) == ("Jane", "Doe")
    assert lead.company == "Initech GmbH" and lead.job_title == "Head of Purchasing"
    assert lead.business_phone == "+49 30 1234567" and lead.mobile_phone == "+49 171 2345678"
    assert lead.email == "jane.doe@initech.example" and lead.owner_id == org.admin.pk
    message = EmailMessage.objects.get(message_id=msgid(raw))
    assert message.activity.lead_id == lead.pk  # on the lead's timeline


def test_reply_in_the_thread_attaches_to_the_same_lead(org, queue, deliver):
    first = make_raw(frm="Jane Doe <jane.doe@initech.example>", to="sales@crm.test",
                     subject="Offer", body=ENQUIRY)
    deliver(queue, first)
    mailbox_sync(queue.pk)
    # Her colleague answers in the thread from another address: still the same lead.
    reply = make_raw(frm="Bob <bob@initech.example>", to="sales@crm.test", subject="Re: Offer",
                     in_reply_to=msgid(first), references=msgid(first))
    again = make_raw(frm="Jane Doe <jane.doe@initech.example>", to="sales@crm.test",
                     subject="One more question")
    deliver(queue, reply)
    deliver(queue, again)
    mailbox_sync(queue.pk)

    lead = Lead.objects.get()
    assert Lead.objects.count() == 1
    assert set(EmailMessage.objects.values_list("activity__lead_id", flat=True)) == {lead.pk}


def test_existing_lead_or_contact_gets_the_mail_not_a_new_lead(org, queue, deliver):
    lead = LeadFactory(email="known@startup.example", owner=org.sofia)
    contact = ContactFactory(email="client@acme.example", owner=org.sam, account__owner=org.sam)
    deliver(queue, make_raw(frm="known@startup.example", to="sales@crm.test"))
    deliver(queue, make_raw(frm="client@acme.example", to="sales@crm.test"))
    mailbox_sync(queue.pk)
    assert Lead.objects.count() == 1
    assert {m.activity.regarding_type for m in EmailMessage.objects.all()} == {"lead", "contact"}
    assert EmailMessage.objects.filter(activity__lead=lead).exists()
    assert EmailMessage.objects.filter(activity__contact=contact).exists()


def test_duplicate_check_attaches_to_a_closed_lead_with_that_address(org, queue, deliver):
    from leads.services import lead_disqualify

    lead = LeadFactory(email="back@again.example", owner=org.sam)
    lead_disqualify(lead=lead, actor=org.sam, reason="no_longer_interested")
    deliver(queue, make_raw(frm="back@again.example", to="sales@crm.test"))
    mailbox_sync(queue.pk)
    assert Lead.objects.count() == 1
    assert EmailMessage.objects.get().activity.lead_id == lead.pk


def test_signature_parser():
    sig = parse_signature("Hi\n\nThanks,\nMaria Garcia\nVentas, Grupo Sol S.A.\n+34 912 345 678",
                          display_name="", address="maria.garcia@sol.example")
    assert (sig.first_name, sig.last_name) == ("Maria", "Garcia")
    assert sig.job_title == "Ventas" and sig.company == "Grupo Sol S.A."
    assert sig.business_phone == "+34 912 345 678"
