"""Qualifying a lead (opportunities.conversion.lead_qualify): what is created, linked, refused."""

from decimal import Decimal

import pytest

from crm.activities.event_types import EventType
from crm.activities.models import Event
from crm.common.errors import DuplicateDetected, TransitionNotAllowed
from crm.customers.models import Account, Contact
from leads import services as lead_services
from leads.models import Lead
from opportunities.conversion import lead_qualify
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(org):
    return LeadFactory(
        owner=org.sam, topic="40 CRM seats", first_name="Regina", last_name="Murphy",
        company="Zephyr Analytics", email="regina@zephyr.example", job_title="CTO",
        business_phone="+1 555 0100", website="https://zephyr.example", city="Seattle",
        estimated_value=Decimal("48000.00"), budget_amount=Decimal("50000.00"),
        purchase_timeframe="this_quarter", need="must_have", decision_maker=True,
        description="Wants a pilot first.", source="trade_show",
    )


def test_qualify_creates_account_contact_and_opportunity_in_develop(org, lead):
    result = lead_qualify(lead=lead, actor=org.sam)

    account, contact, opp = result.account, result.contact, result.opportunity
    assert (account.name, account.website, account.phone, account.city) == (
        "Zephyr Analytics", "https://zephyr.example", "+1 555 0100", "Seattle")
    assert (contact.full_name, contact.email, contact.job_title, contact.account) == (
        "Regina Murphy", "regina@zephyr.example", "CTO", account)
    assert opp.topic == "40 CRM seats"
    assert opp.stage == "develop"
    assert (opp.account, opp.contact, opp.originating_lead_id) == (account, contact, lead.pk)
    assert opp.estimated_revenue == Decimal("48000.00")
    assert opp.budget_amount == Decimal("50000.00")
    assert (opp.purchase_timeframe, opp.need, opp.decision_maker, opp.source) == (
        "this_quarter", "must_have", True, "trade_show")
    assert opp.description == "Wants a pilot first."
    assert opp.owner == org.sam and account.owner == org.sam
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == "qualified"
    assert lead.qualifying_opportunity_id == opp.pk
    assert lead.qualifying_opportunity == opp
    assert Event.objects.filter(record_type="lead", record_id=lead.pk, action=EventType.QUALIFIED).exists()


def test_qualify_links_the_existing_account_and_contact_instead_of_creating(org, lead):
    account = AccountFactory(name="Totally Different", owner=org.sam)
    contact = ContactFactory(account=account, last_name="Other")
    result = lead_qualify(lead=lead, actor=org.sam, existing_account=account,
                          existing_contact=contact)
    assert (result.account, result.contact) == (account, contact)
    assert Account.objects.count() == 1 and Contact.objects.count() == 1
    assert result.opportunity.account == account


def test_qualify_uses_the_existing_account_set_on_the_lead(org, lead):
    account = AccountFactory(name="Linked Ltd")
    lead_services.lead_update(lead=lead, actor=org.sam, existing_account=account)
    result = lead_qualify(lead=lead, actor=org.sam)
    assert result.account == account
    assert result.contact.account == account
    assert Account.objects.count() == 1


def test_qualify_can_create_only_the_opportunity(org, lead):
    result = lead_qualify(lead=lead, actor=org.sam, create_account=False, create_contact=False)
    assert result.account is None and result.contact is None
    assert result.opportunity.stage == "develop"
    assert not Account.objects.exists() and not Contact.objects.exists()


def test_qualify_without_an_opportunity_still_qualifies_the_lead(org, lead):
    result = lead_qualify(lead=lead, actor=org.sam, create_opportunity=False)
    assert result.opportunity is None
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == "qualified" and lead.qualifying_opportunity_id is None
    assert not Opportunity.objects.exists()


def test_qualify_refuses_with_candidates_when_a_matching_account_or_contact_exists(org, lead):
    account = AccountFactory(name="Zephyr Analytics Ltd.")
    contact = ContactFactory(email="REGINA@zephyr.example", account=None, owner=org.tom)
    with pytest.raises(DuplicateDetected) as exc:
        lead_qualify(lead=lead, actor=org.sam)
    candidates = {(c["type"], c["id"]) for c in exc.value.extra["candidates"]}
    assert candidates == {("account", account.pk), ("contact", contact.pk)}
    assert Lead.objects.get(pk=lead.pk).status == "new"
    assert not Opportunity.objects.exists()


def test_qualify_with_allow_duplicates_creates_new_records_anyway(org, lead):
    AccountFactory(name="Zephyr Analytics")
    result = lead_qualify(lead=lead, actor=org.sam, allow_duplicates=True)
    assert Account.objects.filter(name="Zephyr Analytics").count() == 2
    assert result.opportunity is not None


def test_linking_the_matching_account_resolves_the_duplicate_refusal(org, lead):
    account = AccountFactory(name="Zephyr Analytics")
    result = lead_qualify(lead=lead, actor=org.sam, existing_account=account)
    assert result.account == account


def test_a_failure_after_the_account_is_created_leaves_nothing_behind(org, lead, monkeypatch):
    from crm.customers import services as customer_services

    def broken_contact_create(**kwargs):
        assert Account.objects.filter(name="Zephyr Analytics").exists()  # it was created
        raise RuntimeError("disk full")

    monkeypatch.setattr(customer_services, "contact_create", broken_contact_create)
    with pytest.raises(RuntimeError):
        lead_qualify(lead=lead, actor=org.sam)
    assert not Account.objects.exists()
    assert not Opportunity.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == "new"


@pytest.mark.parametrize("close", ["qualify", "disqualify"])
def test_a_closed_lead_cannot_be_qualified(org, lead, close):
    if close == "qualify":
        lead_qualify(lead=lead, actor=org.sam)
    else:
        lead_services.lead_disqualify(lead=lead, actor=org.sam, reason="lost")
    with pytest.raises(TransitionNotAllowed) as exc:
        lead_qualify(lead=lead, actor=org.sam, allow_duplicates=True)
    assert exc.value.extra["allowed"] == ["reactivate"]


def test_after_qualifying_the_lead_cannot_be_disqualified_even_when_reactivated(org, lead):
    lead_qualify(lead=lead, actor=org.sam)
    lead = lead_services.lead_reactivate(lead=lead, actor=org.sam)
    with pytest.raises(TransitionNotAllowed):
        lead_services.lead_disqualify(lead=lead, actor=org.sam, reason="lost")


def test_a_teammate_cannot_qualify_someone_elses_lead(org, lead):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        lead_qualify(lead=lead, actor=org.sofia)
    assert not Account.objects.exists()


# --- account candidates: the stored company key (crm.common.matching) -------------------------

def test_the_matching_account_is_found_behind_many_similar_names(org, lead):
    """Qualify used to read the first 200 accounts whose name starts with the company's first
    word and compare keys afterwards: a match sorted after them was missed."""
    Account.objects.bulk_create([Account(name=f"Zephyr A{i:03d}", owner=org.sam)
                                 for i in range(201)])
    account = AccountFactory(name="Zephyr Analytics Ltd.", owner=org.sam)
    with pytest.raises(DuplicateDetected) as exc:
        lead_qualify(lead=lead, actor=org.sam, create_contact=False)
    assert [(c["type"], c["id"]) for c in exc.value.extra["candidates"]] == [
        ("account", account.pk)]


def test_the_matching_account_is_found_when_its_name_starts_with_a_legal_form_word(org, lead):
    account = AccountFactory(name="The Zephyr Analytics Company", owner=org.sam)
    assert account.company_key == "zephyr analytics"
    with pytest.raises(DuplicateDetected) as exc:
        lead_qualify(lead=lead, actor=org.sam, create_contact=False)
    assert [(c["type"], c["id"]) for c in exc.value.extra["candidates"]] == [
        ("account", account.pk)]


def test_renaming_an_account_updates_its_company_key(org):
    account = AccountFactory(name="Zephyr Analytics", owner=org.sam)
    account.name = "Contoso, Inc."
    account.save(update_fields=["name"])
    assert Account.objects.get(pk=account.pk).company_key == "contoso"
