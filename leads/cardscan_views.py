"""Business card scanner, lead side: a scanned card saved as a lead (source "business_card"),
and leads among the duplicates the scanner shows. The scanner itself is `crm.cardscan`."""

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.cardscan import phones
from crm.cardscan import views as cardscan_views
from crm.cardscan.duplicates import LIMIT as DUPLICATE_LIMIT
from crm.cardscan.duplicates import register_duplicate_finder
from crm.cardscan.forms import ScannedCardForm
from crm.cardscan.models import ScanTarget
from crm.cardscan.services import card_scan_attach

from .duplicates import find_lead_duplicates
from .models import LeadSource
from .services import lead_create

LEAD_FIELDS = ["first_name", "last_name", "job_title", "company", "email", "business_phone",
               "mobile_phone", "website", "street", "city", "state", "postal_code", "country"]


class ScannedLeadForm(ScannedCardForm):
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=300)

    def initial_from_scan(self, scan):
        initial = super().initial_from_scan(scan)
        who = initial.get("company") or " ".join(
            p for p in [initial.get("first_name"), initial.get("last_name")] if p)
        initial["topic"] = _("Business card: %(who)s") % {"who": who} if who else _(
            "Business card")
        return initial


def lead_data(cleaned: dict) -> dict:
    data = {name: (cleaned.get(name) or "").strip() for name in LEAD_FIELDS}
    if cleaned.get("fax"):
        data["description"] = _("Fax: %s") % phones.display(cleaned["fax"])
    return data


@transaction.atomic
def save_scan_as_lead(*, scan, actor, topic: str, data: dict):
    """One transaction: the lead (source business card) and the scan linked to it."""
    lead = lead_create(actor=actor, topic=topic, source=LeadSource.BUSINESS_CARD, **data)
    card_scan_attach(scan=scan, record=lead, record_type="lead", actor=actor)
    return lead


def lead_duplicates(*, user, fields: dict) -> list[dict]:
    found: dict[int, dict] = {}
    phones = [fields.get("business_phone") or "", fields.get("mobile_phone") or ""]
    queries = [{"email": fields.get("email") or "", "phone": phones[0],
                    "first_name": fields.get("first_name") or "",
                    "last_name": fields.get("last_name") or "",
                    "company": fields.get("company") or "",
                    "country": fields.get("country") or ""}]
    if phones[1]:
        queries.append({"phone": phones[1], "country": fields.get("country") or ""})
    for query in queries:
        for match in find_lead_duplicates(user=user, **query):
            lead = match["lead"]
            found.setdefault(lead.pk, {
                "type": "lead", "id": lead.pk, "name": lead.full_name or lead.company,
                "detail": ", ".join(x for x in [lead.company, lead.get_status_display()] if x),
                "rule": match["rule"], "url": lead.get_absolute_url(),
            })
    return list(found.values())[:DUPLICATE_LIMIT]


register_duplicate_finder("lead", lead_duplicates)
cardscan_views.form_classes[ScanTarget.LEAD] = ScannedLeadForm


class LeadScanCardView(cardscan_views.CardScanUploadView):
    target = ScanTarget.LEAD


class LeadScanSaveView(cardscan_views.CardScanSaveView):
    form_class = ScannedLeadForm
    target = ScanTarget.LEAD

    def save(self, form, scan):
        return save_scan_as_lead(scan=scan, actor=self.request.user,
                                 topic=form.cleaned_data["topic"],
                                 data=lead_data(form.cleaned_data))

    def success_message(self, record):
        return _("Lead “%(topic)s” created from the business card.") % {"topic": record.topic}
