"""Linking order (PROCESS.md): thread -> document number -> contact -> open lead -> domain
(never free-mail) -> unlinked; untrack and the never-track list."""

import pytest

from crm.activities.models import Activity
from crm.mail.models import EmailMessage, MailboxMessage, NeverTrack, UntrackedMessage
from crm.mail.services import message_link, message_untrack
from crm.mail.sync import mailbox_sync
from tests.factories import AccountFactory, ContactFactory
from tests.invoices.factories import make_invoice
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory
from tests.quotes.factories import make_quote

from .messages import make_raw, msgid

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(org, mailbox_for):
    return mailbox_for(org.sam)


def _sync_one(box, deliver, raw, folder="INBOX"):
    deliver(box, raw, folder=folder)
    result = mailbox_sync(box.pk)
    assert result.state == "ok", result.notes
    return EmailMessage.objects.filter(message_id=msgid(raw)).first()


def test_contact_by_address(org, box, deliver):
    contact = ContactFactory(email="Carla@Acme.example", owner=org.sam, account__owner=org.sam)
    message = _sync_one(box, deliver, make_raw(frm="carla@acme.example"))
    assert message.activity.regarding_type == "contact"
    assert message.activity.contact_id == contact.pk
    assert message.activity.direction == "incoming"


def test_outgoing_mail_links_by_recipient(org, box, deliver):
    contact = ContactFactory(email="carla@acme.example", owner=org.sam, account__owner=org.sam)
    message = _sync_one(box, deliver, make_raw(frm="Sam <sam@crm.test>",
                                               to="carla@acme.example"), folder="Sent")
    assert message.direction == "outgoing" and message.activity.contact_id == contact.pk


def test_open_lead_by_email(org, box, deliver):
    lead = LeadFactory(email="newbie@startup.example", owner=org.sam)
    message = _sync_one(box, deliver, make_raw(frm="newbie@startup.example"))
    assert message.activity.lead_id == lead.pk


def test_disqualified_lead_does_not_make_mail_tracked(org, box, deliver):
    from leads.services import lead_disqualify

    lead = LeadFactory(email="gone@startup.example", owner=org.sam)
    lead_disqualify(lead=lead, actor=org.sam, reason="no_longer_interested")
    assert _sync_one(box, deliver, make_raw(frm="gone@startup.example")) is None


def test_quote_number_in_subject_wins_over_contact(org, box, deliver):
    ContactFactory(email="carla@acme.example", owner=org.sam, account__owner=org.sam)
    quote = make_quote(owner=org.sam)
    message = _sync_one(box, deliver, make_raw(
        frm="carla@acme.example", subject=f"Re: your quote {quote.number} looks good"))
    assert message.activity.quote_id == quote.pk


def test_invoice_number_in_subject(org, box, deliver):
    ContactFactory(email="carla@acme.example", owner=org.sam, account__owner=org.sam)
    invoice = make_invoice(owner=org.sam)
    message = _sync_one(box, deliver, make_raw(frm="carla@acme.example",
                                               subject=f"Payment of {invoice.number}"))
    assert message.activity.invoice_id == invoice.pk


def test_linked_thread_keeps_its_record(org, box, deliver):
    ContactFactory(email="carla@acme.example", owner=org.sam, account__owner=org.sam)
    opportunity = OpportunityFactory(owner=org.sam)
    first = _sync_one(box, deliver, make_raw(frm="carla@acme.example", subject="Offer"))
    message_link(message=first, record_type="opportunity", record_id=opportunity.pk,
                 actor=org.sam)
    reply = _sync_one(box, deliver, make_raw(frm="carla@acme.example", subject="Re: Offer",
                                             in_reply_to=first.message_id))
    assert reply.thread_id == first.thread_id
    assert reply.activity.opportunity_id == opportunity.pk


def test_domain_links_to_account_when_a_lead_or_contact_makes_it_tracked(org, box, deliver):
    """A new person at a known company, cc'ing a known contact of another account: the contact
    rule comes first; without contact or lead, only the domain rule links."""
    account = AccountFactory(website="https://www.globex.example", owner=org.sam)
    # The sender is unknown, but a known lead is in cc: tracked; no contact; lead first.
    lead = LeadFactory(email="someone@other.example", owner=org.sam)
    message = _sync_one(box, deliver, make_raw(frm="new.person@globex.example",
                                               cc="someone@other.example"))
    assert message.activity.lead_id == lead.pk
    # A queue message from an unknown person at the account's domain links by domain when the
    # queue does not turn it into a lead (subject rule and contact rule miss).
    from crm.mail.linking import LinkContext, resolve
    from crm.mail.parsing import parse_message

    parsed = parse_message(make_raw(frm="boss@globex.example"))
    found = resolve(parsed=parsed, incoming=True, thread=None,
                    ctx=LinkContext.build(parsed.participants, {"sam@crm.test"}))
    assert (found.record_type, found.record_id, found.rule) == ("account", account.pk, "domain")


def test_domain_of_a_contacts_address_links_to_their_account(org):
    from crm.mail.linking import LinkContext, resolve
    from crm.mail.parsing import parse_message

    contact = ContactFactory(email="anna@initech.example", owner=org.sam, account__owner=org.sam)
    parsed = parse_message(make_raw(frm="peter@initech.example"))
    found = resolve(parsed=parsed, incoming=True, thread=None,
                    ctx=LinkContext.build(parsed.participants, {"sam@crm.test"}))
    assert (found.record_type, found.record_id) == ("account", contact.account_id)


@pytest.mark.parametrize("domain", ["gmail.com", "outlook.com", "gmx.de", "gmx.net", "web.de",
                                    "proton.me"])
def test_free_mail_domains_never_link_by_domain(org, domain):
    from crm.mail.linking import LinkContext, is_freemail, resolve
    from crm.mail.parsing import parse_message

    assert is_freemail(domain)
    ContactFactory(email=f"anna@{domain}", owner=org.sam, account__owner=org.sam)
    AccountFactory(website=f"https://{domain}", owner=org.sam)
    parsed = parse_message(make_raw(frm=f"stranger@{domain}"))
    assert resolve(parsed=parsed, incoming=True, thread=None,
                   ctx=LinkContext.build(parsed.participants, {"sam@crm.test"})) is None


def test_tracked_but_unmatched_stays_unlinked_then_linked_by_hand(org, box, deliver):
    first = make_raw(frm="carla@acme.example", subject="Hello")
    contact = ContactFactory(email="carla@acme.example", owner=org.sam, account__owner=org.sam)
    message = _sync_one(box, deliver, first)
    # Untracked from the contact -> a message in the thread from an unknown address (tracked
    # by the thread, links to the thread's record).
    assert message.activity.contact_id == contact.pk
    contact.email = "carla.new@acme.example"
    contact.save()
    # A reply in the thread, though the thread is linked, keeps the link.
    reply = _sync_one(box, deliver, make_raw(frm="x@unknown.example", subject="Re: Hello",
                                             in_reply_to=msgid(first)))
    assert reply.activity.contact_id == contact.pk


def test_untrack_removes_and_a_resync_does_not_bring_it_back(org, box, deliver, mail_server):
    ContactFactory(email="carla@acme.example", owner=org.sam, account__owner=org.sam)
    raw = make_raw(frm="carla@acme.example", subject="Private matter")
    message = _sync_one(box, deliver, raw)
    activity_id = message.activity_id

    message_untrack(message=message, actor=org.sam)

    assert not EmailMessage.objects.exists()
    assert not Activity.objects.filter(pk=activity_id).exists()
    assert UntrackedMessage.objects.filter(user=org.sam, message_id=msgid(raw)).exists()
    # The server renumbers the folder: the message is seen again, and stays out.
    mail_server.reset_uidvalidity(box)
    result = mailbox_sync(box.pk)
    assert result.fetched == 1
    assert not EmailMessage.objects.exists()
    assert MailboxMessage.objects.get(mailbox=box).skipped == "untracked"


def test_never_track_list_keeps_addresses_and_domains_out(org, box, deliver):
    ContactFactory(email="doctor@clinic.example", owner=org.sam, account__owner=org.sam)
    ContactFactory(email="friend@acme.example", owner=org.sam, account__owner=org.sam)
    NeverTrack.objects.create(user=org.sam, pattern="@clinic.example")
    NeverTrack.objects.create(user=org.sam, pattern="friend@acme.example")
    deliver(box, make_raw(frm="doctor@clinic.example", subject="Your results"))
    deliver(box, make_raw(frm="friend@acme.example", subject="Beers?"))
    deliver(box, make_raw(frm="doctor@clinic.example", to="sam@crm.test",
                          cc="someone@acme.example", subject="Also private"))
    result = mailbox_sync(box.pk)
    assert result.fetched == 3 and result.stored == 0
    assert not EmailMessage.objects.exists()
    assert MailboxMessage.objects.filter(mailbox=box, skipped="never_track").count() == 3
