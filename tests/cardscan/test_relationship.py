"""The past relationship behind a scanned card: each matching lead, contact and account with
its owner, last activity, open opportunities and won revenue, in the page and in the API,
never revealing what the user may not read."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.cardscan.duplicates import find_duplicates
from crm.customers.models import Contact
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

from .factories import EMILY, CardScanFactory, card_file

pytestmark = pytest.mark.django_db


def won(opportunity, amount: str, currency: str = "USD"):
    Opportunity.objects.filter(pk=opportunity.pk).update(
        status="won", actual_revenue=Decimal(amount), currency=currency)
    return opportunity


@pytest.fixture
def emily(org):
    """Emily Carter's contact (public) at Northwind, with opportunities owned by sam and by
    olga (another region: sam may not read hers)."""
    account = AccountFactory(name="Northwind Traders Inc.", owner=org.maria)
    contact = ContactFactory(first_name="Emily", last_name="Carter", owner=org.sofia,
                             email="emily.carter@northwind.com", account=account)
    Contact.objects.filter(pk=contact.pk).update(
        last_activity_at=timezone.now() - timedelta(days=3))
    OpportunityFactory(owner=org.sam, account=account, contact=contact)
    won(OpportunityFactory(owner=org.sam, account=account, contact=contact), "5000.00")
    won(OpportunityFactory(owner=org.sam, account=account, contact=contact), "1200.50", "EUR")
    OpportunityFactory(owner=org.olga, account=account, contact=contact)
    won(OpportunityFactory(owner=org.olga, account=account, contact=contact), "99999.00")
    return contact


def test_a_match_carries_owner_last_activity_open_opportunities_and_won_revenue(org, emily):
    matches = find_duplicates(user=org.sam, fields=EMILY)

    contact = next(m for m in matches if m["type"] == "contact")
    assert contact["owner"] == str(org.sofia.get_full_name())
    assert contact["last_activity_at"] == Contact.objects.get().last_activity_at
    assert contact["open_opportunities"] == 1  # olga's is not counted for sam
    assert contact["won_revenue"] == [{"currency": "EUR", "amount": "1200.50"},
                                      {"currency": "USD", "amount": "5000.00"}]
    assert contact["edit_url"] == reverse("contact-update", args=[emily.pk])
    account = next(m for m in matches if m["type"] == "account")
    assert account["open_opportunities"] == 1 and account["owner"]


def test_someone_who_may_read_everything_sees_every_opportunity(org, emily):
    matches = find_duplicates(user=org.admin, fields=EMILY)

    contact = next(m for m in matches if m["type"] == "contact")
    assert contact["open_opportunities"] == 2
    assert {"currency": "USD", "amount": "104999.00"} in contact["won_revenue"]


def test_a_lead_the_user_may_not_read_is_not_revealed_nor_counted(org):
    LeadFactory(owner=org.olga, email="emily.carter@northwind.com")
    readable = LeadFactory(owner=org.sam, email="emily.carter@northwind.com",
                           first_name="Emily", last_name="Carter")

    matches = find_duplicates(user=org.sam, fields=EMILY)

    assert [(m["type"], m["id"]) for m in matches] == [("lead", readable.pk)]
    assert matches[0]["owner"] == str(org.sam.get_full_name())
    assert matches[0]["edit_url"] == reverse("lead-update", args=[readable.pk])


def test_the_review_page_shows_the_relationship_and_the_three_ways_on(org, web, emily):
    scan = CardScanFactory(owner=org.sam)

    html = web(org.sam).get(scan.get_absolute_url()).content.decode()

    assert "You may already know this customer" in html
    assert "Open opportunities" in html and "Won revenue" in html
    assert "5,000.00 USD" in html and "1,200.50 EUR" in html
    assert "99,999" not in html and "104,999" not in html  # olga's deal stays hidden
    assert reverse("contact-update", args=[emily.pk]) in html  # update it
    assert emily.get_absolute_url() in html  # open it
    assert "Create a new contact anyway" in html


def test_the_api_answers_with_the_same_summary(org, api, emily):
    upload = SimpleUploadedFile("card.png", card_file("clean-00-en"), content_type="image/png")

    response = api(org.sam).post("/api/v1/business-cards/scan/", {"image": upload},
                                 format="multipart")

    assert response.status_code == 200
    contact = next(d for d in response.json()["duplicates"] if d["type"] == "contact")
    assert contact["id"] == emily.pk
    assert contact["open_opportunities"] == 1
    assert contact["won_revenue"] == [{"currency": "EUR", "amount": "1200.50"},
                                      {"currency": "USD", "amount": "5000.00"}]
    assert contact["owner"] and contact["last_activity_at"]


def test_the_summary_costs_the_same_queries_for_many_matches(
        org, web, django_assert_max_num_queries):
    account = AccountFactory(name="Northwind Traders Inc.", owner=org.sam)
    for _ in range(8):
        contact = ContactFactory(email="emily.carter@northwind.com", account=account,
                                 owner=org.sam)
        OpportunityFactory(owner=org.sam, account=account, contact=contact)
        won(OpportunityFactory(owner=org.sam, account=account, contact=contact), "10.00")
    scan = CardScanFactory(owner=org.sam)
    client = web(org.sam)

    with django_assert_max_num_queries(30):
        response = client.get(scan.get_absolute_url())

    assert response.content.decode().count("cardscan-relationship\"") >= 9
