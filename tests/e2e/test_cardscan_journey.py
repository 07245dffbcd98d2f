"""A seller scans a business card from the leads pages, fixes one field and saves the lead."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from crm.cardscan.corpus import card_bytes, corpus_specs
from crm.celery import app as celery_app
from leads.models import Lead, LeadSource
from opportunities.models import Opportunity
from tests.factories import AccountFactory, ContactFactory
from tests.opportunities.factories import OpportunityFactory


@pytest.fixture
def scan_inline():
    """No worker in this journey: the card is read during the upload request."""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


def test_seller_scans_a_card_corrects_a_field_and_lands_on_the_new_lead(
        org, page, login, tmp_path, scan_inline):
    # Given Sam, a seller, with a photo of Emily Carter's card on his phone; Emily is already
    # a contact of Sofia's, with a deal Sam won last year
    spec = next(s for s in corpus_specs() if s.name == "clean-00-en")
    photo = tmp_path / "emily-carter.png"
    photo.write_bytes(card_bytes(spec))
    account = AccountFactory(name="Northwind Traders Inc.", owner=org.sofia)
    contact = ContactFactory(first_name="Emily", last_name="Carter", owner=org.sofia,
                             email="emily.carter@northwind.com", account=account)
    deal = OpportunityFactory(owner=org.sam, account=account, contact=contact)
    Opportunity.objects.filter(pk=deal.pk).update(status="won", actual_revenue=Decimal("4200"))
    login(page, org.sam)

    # When he opens the scanner from the leads pages and uploads the photo
    page.goto(reverse("lead-list"))
    page.goto(reverse("lead-scan-card"))
    expect(page.locator("h1")).to_have_text("Scan a business card")
    picker = page.get_by_label("Photo of the business card")
    expect(picker).to_have_attribute("capture", "environment")  # the rear camera on a phone
    picker.set_input_files(str(photo))
    expect(page.get_by_role("img", name="The photo you chose")).to_be_visible()
    page.get_by_role("button", name="Read the card").click()

    # Then he sees the picture next to the prefilled form (the page polls while Tesseract reads
    # the photo: a few seconds, more on a busy machine)
    expect(page.locator("h1")).to_have_text("Check the card, then save the lead", timeout=60_000)
    expect(page.get_by_role("img", name="The business card photo")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Emily")
    expect(page.get_by_label("Email")).to_have_value("emily.carter@northwind.com")
    expect(page.get_by_label("Topic")).to_have_value("Business card: Northwind Traders Inc.")

    # And the past relationship: Emily's contact, its owner and the revenue won with her
    relationship = page.locator(".cardscan-relationship", has_text="Emily Carter").first
    expect(relationship).to_contain_text(org.sofia.get_full_name())
    expect(relationship).to_contain_text("4,200.00 USD")
    expect(relationship.get_by_role("link", name="Update it")).to_have_attribute(
        "href", reverse("contact-update", args=[contact.pk]))
    expect(page.get_by_role("link", name="Create a new lead anyway")).to_be_visible()

    # When he corrects the job title and saves
    page.get_by_label("Job title").fill("VP of Sales")
    page.get_by_role("button", name="Save lead").click()

    # Then he lands on the new lead, whose source is "Business card"
    expect(page.locator(".message-success")).to_contain_text("created from the business card")
    lead = Lead.objects.get()
    page.wait_for_url(f"**{lead.get_absolute_url()}")
    expect(page.locator("h1")).to_contain_text("Emily Carter")
    source = page.locator("dt", has_text="Source").locator("xpath=following-sibling::dd[1]")
    expect(source).to_have_text("Business card")
    assert lead.source == LeadSource.BUSINESS_CARD
    assert (lead.job_title, lead.email) == ("VP of Sales", "emily.carter@northwind.com")
