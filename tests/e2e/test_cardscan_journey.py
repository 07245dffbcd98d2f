"""A seller scans a business card from the leads pages, fixes one field and saves the lead."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from crm.cardscan.corpus import card_bytes, corpus_specs
from crm.celery import app as celery_app
from leads.models import Lead, LeadSource


@pytest.fixture
def scan_inline():
    """No worker in this journey: the card is read during the upload request."""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


def test_seller_scans_a_card_corrects_a_field_and_lands_on_the_new_lead(
        org, page, login, tmp_path, scan_inline):
    # Given Sam, a seller, with a photo of Emily Carter's card on his phone
    spec = next(s for s in corpus_specs() if s.name == "clean-00-en")
    photo = tmp_path / "emily-carter.png"
    photo.write_bytes(card_bytes(spec))
    login(page, org.sam)

    # When he opens the scanner from the leads pages and uploads the photo
    page.goto(reverse("lead-list"))
    page.goto(reverse("lead-scan-card"))
    expect(page.locator("h1")).to_have_text("Scan a business card")
    page.get_by_label("Photo of the business card").set_input_files(str(photo))
    page.get_by_role("button", name="Read the card").click()

    # Then he sees the picture next to the prefilled form
    expect(page.locator("h1")).to_have_text("Check the card, then save the lead")
    expect(page.get_by_role("img", name="The business card photo")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Emily")
    expect(page.get_by_label("Email")).to_have_value("emily.carter@northwind.com")
    expect(page.get_by_label("Topic")).to_have_value("Business card: Northwind Traders Inc.")

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
