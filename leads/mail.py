"""Email for leads: an open lead's address links mail to it, and queue mail from an unknown
sender becomes a lead (source `email`), or joins the lead that already has that address."""

from django.db.models import Q
from django.db.models.functions import Lower

from crm.mail.registry import (
    AddressLookup,
    register_address_lookup,
    register_queue_handler,
)
from crm.mail.signature import parse_signature

from .duplicates import find_lead_duplicates
from .models import OPEN_STATUSES, Lead, LeadSource
from .services import lead_create


def _open_leads_by_address(addresses: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    rows = (Lead.objects.filter(status__in=OPEN_STATUSES)
            .annotate(e1=Lower("email"), e2=Lower("email2"))
            .filter(Q(e1__in=addresses) | Q(e2__in=addresses))
            .order_by("-id").values_list("pk", "e1", "e2"))
    for pk, e1, e2 in rows:
        for email in (e1, e2):
            if email and email in addresses:
                found.setdefault(email, pk)
    return found


register_address_lookup(AddressLookup(record_type="lead", lookup=_open_leads_by_address,
                                      order=10))


def lead_from_queue_mail(*, message, parsed, mailbox):
    """A queue message from an unknown sender: the existing lead with that address, else a new
    lead owned by the queue's owner. Returns ("lead", id)."""
    owner = mailbox.owner
    address = parsed.from_address
    if not address:
        return None
    duplicates = [m for m in find_lead_duplicates(user=owner, email=address)
                  if m["rule"] == "email"]
    if duplicates:
        return "lead", duplicates[0]["lead"].pk
    sig = parse_signature(parsed.text, display_name=parsed.from_name, address=address)
    last_name = sig.last_name or address.split("@", 1)[0][:80]
    lead = lead_create(
        actor=owner, owner=owner,
        topic=(parsed.subject or "Email enquiry")[:300],
        first_name=sig.first_name, last_name=last_name, company=sig.company,
        job_title=sig.job_title, email=address[:254],
        business_phone=sig.business_phone, mobile_phone=sig.mobile_phone,
        source=LeadSource.EMAIL,
        description=(parsed.text or "")[:4000],
    )
    return "lead", lead.pk


register_queue_handler(lead_from_queue_mail)
