"""The scanner pages: upload, review next to the picture, duplicates, save as contact or lead."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.activities.models import Event
from crm.cardscan.models import CardScan, ScanStatus, ScanTarget
from crm.cardscan.services import card_scan_create, card_scan_purge_unsaved_images
from crm.customers.models import Account, Contact
from leads.models import Lead, LeadSource
from tests.factories import AccountFactory, ContactFactory
from tests.leads.factories import LeadFactory

from .factories import EMILY, CardScanFactory, card_file

pytestmark = pytest.mark.django_db


def upload(name="clean-00-en"):
    ext = "jpg" if name.startswith("noisy") else "png"
    return SimpleUploadedFile(f"card.{ext}", card_file(name), content_type=f"image/{ext}")


def review_post(scan, **overrides):
    data = dict(EMILY.items())
    data.update(overrides)
    return data


# --- entry points ------------------------------------------------------------------------------

def test_contacts_and_leads_pages_link_to_the_scanner(org, web):
    client = web(org.sam)

    contacts = client.get(reverse("contact-list")).content.decode()

    assert reverse("contact-scan-card") in contacts
    assert client.get(reverse("lead-scan-card")).status_code == 200


def test_the_upload_page_opens_the_camera_on_a_phone(org, web):
    html = web(org.sam).get(reverse("lead-scan-card")).content.decode()

    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html


# --- upload and review -------------------------------------------------------------------------

def test_uploading_a_card_shows_the_picture_next_to_the_prefilled_form(org, web):
    client = web(org.sam)

    response = client.post(reverse("contact-scan-card"), {"image": upload()}, follow=True)

    scan = CardScan.objects.get()
    assert scan.status == ScanStatus.DONE and scan.owner == org.sam
    html = response.content.decode()
    assert reverse("cardscan-image", args=[scan.pk]) in html
    assert 'value="Emily"' in html and 'value="emily.carter@northwind.com"' in html
    assert 'value="+14155550132"' in html  # stored in E.164 ...
    assert "On the card: +1 (415) 555-0132" in html  # ... shown as printed
    assert scan.duration_ms is not None


def test_fields_the_scanner_was_unsure_of_are_marked(org, web):
    scan = CardScanFactory(owner=org.sam, confidence=dict.fromkeys(EMILY, 0.9) | {"fax": 0.3})

    html = web(org.sam).get(scan.get_absolute_url()).content.decode()

    assert 'class="low-confidence"' in html
    assert html.count('class="low-confidence"') == 1
    assert "1 field to check" in html


@pytest.mark.parametrize(("content", "message"), [
    (b"plain text, not a photo", "not an image"),
    (b"", "empty"),
])
def test_a_bad_upload_stays_on_the_page_with_the_reason(org, web, content, message):
    response = web(org.sam).post(reverse("contact-scan-card"), {
        "image": SimpleUploadedFile("card.jpg", content or b"x"[:0], content_type="image/jpeg")})

    assert response.status_code == 400
    assert message in response.content.decode() or "submitted file is empty" in (
        response.content.decode())
    assert not CardScan.objects.exists()


def test_an_image_too_small_to_read_is_refused(org, web):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (150, 90), "white").save(buffer, "PNG")

    response = web(org.sam).post(reverse("lead-scan-card"), {
        "image": SimpleUploadedFile("tiny.png", buffer.getvalue(), content_type="image/png")})

    assert response.status_code == 400
    assert "150 x 90 pixels" in response.content.decode()


def test_the_stored_picture_is_an_upright_jpeg_without_metadata(org):
    scan = card_scan_create(actor=org.sam, data=card_file("noisy-02-en"))

    with scan.image.open("rb") as handle:
        from PIL import Image

        stored = Image.open(handle)
        stored.load()
    assert stored.format == "JPEG"
    assert not stored.getexif()


# --- background reading --------------------------------------------------------------------------

def test_with_a_worker_the_scan_is_queued_and_the_page_polls(org, web, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    from crm.cardscan.tasks import run_card_scan
    from crm.celery import app

    sent = []
    monkeypatch.setattr(run_card_scan, "apply_async",
                        lambda args=(), kwargs=None, **options: sent.append(args))
    app.conf.CELERY_TASK_ALWAYS_EAGER = False  # a worker is configured
    try:
        with django_capture_on_commit_callbacks(execute=True):
            scan = card_scan_create(actor=org.sam, data=card_file(), target=ScanTarget.LEAD)
    finally:
        app.conf.CELERY_TASK_ALWAYS_EAGER = True
    client = web(org.sam)

    page = client.get(scan.get_absolute_url()).content.decode()
    poll = client.get(reverse("cardscan-status", args=[scan.pk]))

    assert scan.status == ScanStatus.PENDING
    assert sent == [(scan.pk,)]
    assert 'hx-trigger="every 1s"' in page and "Reading the card" in page
    assert poll.status_code == 200 and "HX-Refresh" not in poll


def test_the_poll_reloads_the_page_once_the_card_is_read(org, web):
    scan = CardScanFactory(owner=org.sam)

    poll = web(org.sam).get(reverse("cardscan-status", args=[scan.pk]))

    assert poll["HX-Refresh"] == "true"


def test_the_task_reads_a_pending_scan_once(org):
    from crm.cardscan.tasks import run_card_scan

    scan = CardScanFactory(owner=org.sam, status=ScanStatus.PENDING, fields={}, confidence={})

    assert run_card_scan(scan.pk) == "done"
    assert run_card_scan(scan.pk) == "done"
    scan.refresh_from_db()
    assert scan.fields["last_name"] == "Carter"


# --- duplicates ----------------------------------------------------------------------------------

def test_possible_duplicates_are_shown_with_the_rule_that_matched(org, web):
    account = AccountFactory(name="Northwind Traders Inc.", owner=org.maria)
    ContactFactory(first_name="Emily", last_name="Carter", email="EMILY.CARTER@northwind.com",
                   account=account)
    ContactFactory(last_name="Other", email="x@y.example", business_phone="415.555.0132")
    LeadFactory(owner=org.sam, email="emily.carter@northwind.com", first_name="Em",
                last_name="Carter")
    scan = CardScanFactory(owner=org.sam)

    html = web(org.sam).get(scan.get_absolute_url()).content.decode()

    assert "You may already know this customer" in html
    assert html.count("Same email") == 2  # the contact and the lead
    assert "Same phone" in html and "Same company name" in html


def test_leads_the_user_may_not_read_are_not_suggested(org, web):
    LeadFactory(owner=org.olga, email="emily.carter@northwind.com")
    scan = CardScanFactory(owner=org.sam)

    html = web(org.sam).get(scan.get_absolute_url()).content.decode()

    assert "You may already know this customer" not in html


# --- save as contact -----------------------------------------------------------------------------

def test_saving_as_contact_creates_the_account_and_keeps_the_card(org, web, settings):
    settings.CRM_CARDSCAN_KEEP_IMAGE = True
    scan = CardScanFactory(owner=org.sam)

    response = web(org.sam).post(reverse("contact-scan-card-save", args=[scan.pk]), {
        **review_post(scan, first_name="Emilia"), "create_account": "on"}, follow=True)

    contact = Contact.objects.get()
    assert contact.first_name == "Emilia" and contact.owner == org.sam
    assert contact.account.name == "Northwind Traders Inc."
    assert contact.account.website == "https://www.northwind.com"
    assert "Fax: +1 (415) 555-0100" in contact.description
    assert response.redirect_chain[-1][0] == contact.get_absolute_url()
    assert "created from the business card" in response.content.decode()
    # The card picture is a panel of the contact page, fetched after the first paint.
    panel = web(org.sam).get(reverse("record-panel", args=["contact", contact.pk,
                                                           "business_card"]))
    assert reverse("cardscan-image", args=[scan.pk]) in panel.content.decode()
    scan.refresh_from_db()
    assert (scan.status, scan.record_type, scan.record_id) == ("saved", "contact", contact.pk)
    assert Event.objects.filter(record_type="contact", record_id=contact.pk,
                                action="business_card_scanned").exists()


def test_an_existing_account_with_the_card_company_is_reused(org, web):
    account = AccountFactory(name="northwind traders inc.")
    scan = CardScanFactory(owner=org.sam)

    web(org.sam).post(reverse("contact-scan-card-save", args=[scan.pk]), review_post(scan))

    assert Contact.objects.get().account == account
    assert Account.objects.count() == 1


def test_without_keeping_images_the_picture_is_deleted_on_save(org, web, settings,
                                                               django_capture_on_commit_callbacks):
    settings.CRM_CARDSCAN_KEEP_IMAGE = False
    scan = CardScanFactory(owner=org.sam)
    name = scan.image.name
    storage = scan.image.storage

    with django_capture_on_commit_callbacks(execute=True):
        web(org.sam).post(reverse("contact-scan-card-save", args=[scan.pk]), review_post(scan))

    scan.refresh_from_db()
    assert scan.status == ScanStatus.SAVED and not scan.image
    assert not storage.exists(name)


def test_the_form_keeps_the_corrections_when_something_is_wrong(org, web):
    scan = CardScanFactory(owner=org.sam)

    response = web(org.sam).post(reverse("contact-scan-card-save", args=[scan.pk]),
                                 review_post(scan, email="emily.carter@", city="Oakland"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "valid email" in html and 'value="Oakland"' in html
    assert not Contact.objects.exists()


def test_a_card_cannot_be_saved_twice(org, web):
    scan = CardScanFactory(owner=org.sam)
    client = web(org.sam)
    client.post(reverse("contact-scan-card-save", args=[scan.pk]), review_post(scan))

    client.post(reverse("contact-scan-card-save", args=[scan.pk]), review_post(scan))

    assert Contact.objects.count() == 1


# --- save as lead --------------------------------------------------------------------------------

def test_saving_as_lead_sets_the_source_to_business_card(org, web):
    scan = CardScanFactory(owner=org.sam, target=ScanTarget.LEAD)
    client = web(org.sam)
    form_html = client.get(scan.get_absolute_url()).content.decode()

    response = client.post(reverse("lead-scan-card-save", args=[scan.pk]), {
        **review_post(scan, job_title="VP Sales"), "topic": "Booth visit"}, follow=True)

    lead = Lead.objects.get()
    assert 'value="Business card: Northwind Traders Inc."' in form_html
    assert lead.source == LeadSource.BUSINESS_CARD and lead.topic == "Booth visit"
    assert (lead.job_title, lead.company, lead.website) == (
        "VP Sales", "Northwind Traders Inc.", "https://www.northwind.com")
    assert (lead.city, lead.postal_code, lead.mobile_phone) == (
        "San Francisco", "94103", "+1 415 555 0199")
    assert response.redirect_chain[-1][0] == lead.get_absolute_url()
    scan.refresh_from_db()
    assert (scan.record_type, scan.record_id) == ("lead", lead.pk)


def test_a_lead_needs_a_topic(org, web):
    scan = CardScanFactory(owner=org.sam, target=ScanTarget.LEAD)

    response = web(org.sam).post(reverse("lead-scan-card-save", args=[scan.pk]),
                                 {**review_post(scan), "topic": ""})

    assert response.status_code == 400
    assert not Lead.objects.exists()


# --- visibility ----------------------------------------------------------------------------------

def test_another_sellers_scan_does_not_exist_for_me(org, web):
    scan = CardScanFactory(owner=org.olga)
    client = web(org.sam)

    assert client.get(scan.get_absolute_url()).status_code == 404
    assert client.get(reverse("cardscan-image", args=[scan.pk])).status_code == 404
    assert client.post(reverse("contact-scan-card-save", args=[scan.pk]),
                       review_post(scan)).status_code == 404


def test_a_manager_may_look_at_a_reports_scan_but_not_save_it(org, web):
    scan = CardScanFactory(owner=org.sam)
    client = web(org.maria)

    assert client.get(scan.get_absolute_url()).status_code == 200
    assert client.get(reverse("cardscan-image", args=[scan.pk])).status_code == 200


def test_the_picture_on_a_saved_contact_is_visible_to_everyone_who_reads_it(org, web):
    scan = CardScanFactory(owner=org.sam)
    web(org.sam).post(reverse("contact-scan-card-save", args=[scan.pk]), review_post(scan))
    contact = Contact.objects.get()

    client = web(org.olga)
    page = client.get(reverse("record-panel", args=["contact", contact.pk, "business_card"])
                      ).content.decode()
    image = client.get(reverse("cardscan-image", args=[scan.pk]))

    assert "Business card" in page
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_anonymous_visitors_are_sent_to_the_login(client):
    assert client.get(reverse("contact-scan-card")).status_code == 302


def test_unsaved_pictures_are_purged_after_a_day(org):
    from datetime import timedelta

    from django.utils import timezone

    old = CardScanFactory(owner=org.sam, created_at=timezone.now() - timedelta(days=2))
    fresh = CardScanFactory(owner=org.sam)

    assert card_scan_purge_unsaved_images() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not old.image and fresh.image


def test_the_review_page_reads_many_duplicates_in_a_bounded_number_of_queries(
        org, web, django_assert_max_num_queries):
    account = AccountFactory(name="Northwind Traders Inc.")
    for n in range(30):
        ContactFactory(email="emily.carter@northwind.com", account=account, last_name=f"C{n}")
        LeadFactory(owner=org.sam, email="emily.carter@northwind.com")
    scan = CardScanFactory(owner=org.sam)
    client = web(org.sam)

    with django_assert_max_num_queries(25):
        html = client.get(scan.get_absolute_url()).content.decode()

    assert html.count("Same email") == 20  # 10 contacts and 10 leads shown, no more


def test_a_scan_stuck_waiting_for_the_worker_can_be_read_right_away(org, web):
    from datetime import timedelta

    from django.utils import timezone

    scan = CardScanFactory(owner=org.sam, status=ScanStatus.PENDING, fields={}, confidence={},
                           created_at=timezone.now() - timedelta(minutes=2))
    client = web(org.sam)
    poll = client.get(reverse("cardscan-status", args=[scan.pk])).content.decode()

    client.post(reverse("cardscan-run-now", args=[scan.pk]))

    assert "Read it now" in poll
    scan.refresh_from_db()
    assert scan.status == ScanStatus.DONE and scan.fields["first_name"] == "Emily"
