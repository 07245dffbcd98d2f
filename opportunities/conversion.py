"""Qualifying a lead: the downstream app owns the conversion (ARCHITECTURE.md).

One transaction creates or links the account, contact and opportunity the request asks for,
copies the lead's fields as PROCESS.md maps them, links lead <-> opportunity (the opportunity's
`originating_lead`, the lead's `qualifying_opportunity_id`) and marks the lead qualified. Any
failure rolls everything back: nothing is left half-created.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.common import matching
from crm.common.codes import RefusalReason
from crm.common.errors import DuplicateDetected, TransitionNotAllowed
from crm.common.matching import email_key, name_key
from crm.common.visibility import check_can_change
from crm.customers import services as customer_services
from crm.customers.models import Account, Contact
from leads import services as lead_services
from leads.models import OPEN_STATUSES, Lead

from . import services
from .models import RevenueSource, Stage

ACCOUNT_FROM_LEAD = {
    "name": "company", "website": "website", "phone": "business_phone",
    "industry": "industry", "employees": "employees", "annual_revenue": "annual_revenue",
    "street": "street", "city": "city", "state": "state", "postal_code": "postal_code",
    "country": "country",
}
CONTACT_FROM_LEAD = {
    "salutation": "salutation", "first_name": "first_name", "last_name": "last_name",
    "job_title": "job_title", "email": "email", "email2": "email2",
    "business_phone": "business_phone", "mobile_phone": "mobile_phone", "street": "street",
    "city": "city", "state": "state", "postal_code": "postal_code", "country": "country",
}
OPPORTUNITY_FROM_LEAD = {
    "source": "source", "description": "description", "rating": "rating",
    "estimated_revenue": "estimated_value", "estimated_close_date": "estimated_close_date",
    "purchase_timeframe": "purchase_timeframe", "budget_amount": "budget_amount",
    "budget_status": "budget_status", "purchase_process": "purchase_process",
    "decision_maker": "decision_maker", "need": "need",
}
MAX_CANDIDATES = 10


@dataclass
class QualifyResult:
    lead: Lead
    account: Account | None
    contact: Contact | None
    opportunity: object | None

    def as_ids(self) -> dict:
        return {"lead": self.lead.pk,
                "account": self.account.pk if self.account else None,
                "contact": self.contact.pk if self.contact else None,
                "opportunity": self.opportunity.pk if self.opportunity else None}


def _copy(lead: Lead, mapping: dict) -> dict:
    return {target: getattr(lead, source) for target, source in mapping.items()
            if getattr(lead, source) not in ("", None)}


def account_candidates(lead: Lead) -> list[Account]:
    """Accounts that look like the lead's company (same name, legal form ignored): an indexed
    lookup on the stored company key, so no match is lost however many names look alike."""
    return list(matching.same_company(Account.objects.all(), lead.company)
                .order_by("name", "id")[:MAX_CANDIDATES])


def contact_candidates(lead: Lead, account: Account | None,
                       accounts: list[Account]) -> list[Contact]:
    """Contacts with the lead's email, or the lead's name at the (matching) account."""
    found: dict[int, Contact] = {}
    ekey = email_key(lead.email)
    if ekey:
        for c in Contact.objects.annotate(lemail=Lower("email")).filter(lemail=ekey)[:20]:
            found[c.pk] = c
    account_ids = [a.pk for a in accounts] + ([account.pk] if account else [])
    nkey = name_key(lead.first_name, lead.last_name)
    if nkey and account_ids and lead.last_name:
        for c in Contact.objects.filter(account_id__in=account_ids,
                                        last_name__iexact=lead.last_name)[:50]:
            if name_key(c.first_name, c.last_name) == nkey:
                found[c.pk] = c
    return list(found.values())[:MAX_CANDIDATES]


def _candidate(kind: str, record) -> dict:
    return {"type": kind, "id": record.pk, "name": str(record),
            "url": record.get_absolute_url()}


@transaction.atomic
def lead_qualify(*, lead: Lead, actor, create_account=True, create_contact=True,
                 create_opportunity=True, existing_account=None, existing_contact=None,
                 allow_duplicates=False) -> QualifyResult:
    """Qualify an open lead, creating or linking what the request asks for.

    - `existing_account`/`existing_contact` (or the lead's own existing account/contact) are
      linked instead of creating new ones; an account needs the lead's company, a contact its
      last name, otherwise that record is not created.
    - Refuses with DuplicateDetected (409, the candidates) when a matching account or contact
      exists and the request neither links one nor says `allow_duplicates`.
    - Refuses with TransitionNotAllowed when the lead is not open; 403 when the actor may not
      change it.
    - The opportunity starts in stage `develop`; the lead gets `qualified`.
    """
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    check_can_change(actor, lead)
    if lead.status not in OPEN_STATUSES:
        raise TransitionNotAllowed(
            _("Only open leads can be qualified; this one is %(status)s.")
            % {"status": lead.get_status_display().lower()},
            allowed=lead_services.allowed_actions(lead), status=lead.status,
            reason=RefusalReason.WRONG_STATUS,
        )
    account = existing_account or lead.existing_account
    contact = existing_contact or lead.existing_contact
    if account is None and contact is not None and contact.account_id:
        account = contact.account  # the linked contact's company is the customer
    make_account = create_account and account is None and bool(lead.company.strip())
    make_contact = create_contact and contact is None and bool(lead.last_name.strip())

    if not allow_duplicates:
        accounts = account_candidates(lead) if make_account else []
        contacts = contact_candidates(lead, account, accounts) if make_contact else []
        if accounts or contacts:
            raise DuplicateDetected(
                _("Matching accounts or contacts already exist: link one, or qualify anyway."),
                candidates=[_candidate("account", a) for a in accounts]
                + [_candidate("contact", c) for c in contacts],
            )

    owner = lead.owner
    if make_account:
        account = customer_services.account_create(actor=actor, owner=owner,
                                                   **_copy(lead, ACCOUNT_FROM_LEAD))
    if make_contact:
        contact = customer_services.contact_create(actor=actor, owner=owner, account=account,
                                                   **_copy(lead, CONTACT_FROM_LEAD))

    opportunity = None
    if create_opportunity:
        fields = _copy(lead, OPPORTUNITY_FROM_LEAD)
        if fields.get("estimated_revenue") is not None:
            fields["revenue_source"] = RevenueSource.USER
        opportunity = services.opportunity_create(
            actor=actor, owner=owner, topic=lead.topic, account=account, contact=contact,
            stage=Stage.DEVELOP, originating_lead=lead, **fields,
        )
    lead = lead_services.lead_mark_qualified(
        lead=lead, actor=actor, opportunity_id=opportunity.pk if opportunity else None)
    return QualifyResult(lead=lead, account=account, contact=contact, opportunity=opportunity)
