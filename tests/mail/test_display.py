"""Email on the timeline: threads collapsed, quotes folded, HTML sanitised, attachments
guarded, the compose form, and a timeline that costs the same with 5,000 emails as with 10."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.activities import aggregation
from crm.activities.models import Activity, ActivityKind, ActivityState, TimelineEntry
from crm.mail.display import sanitize_html, split_quoted_text
from crm.mail.models import EmailAttachment, EmailMessage, EmailThread
from tests.factories import ContactFactory
from tests.panels import get_with_panels

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _mail_key(settings):
    settings.CRM_MAIL_KEY = "Lh5nxHQ1lSp0ZrKd1f0d3v2xX0oWb1Q9oE6M8c2o0bY="


_counter = iter(range(1, 10**9))


def make_email(contact, *, owner, subject="Hello", text="", html="", thread=None,
               when=None, direction="incoming", attachments=()):
    """A tracked email on the contact's timeline (as a sync or a send leaves it)."""
    when = when or timezone.now()
    thread = thread or EmailThread.objects.create(subject=subject, regarding_type="contact",
                                                  regarding_id=contact.pk)
    activity = Activity(kind=ActivityKind.EMAIL, owner=owner, subject=subject,
                        direction=direction, contact=contact)
    activity.complete()
    activity.save()
    Activity.objects.filter(pk=activity.pk).update(created_at=when)
    message = EmailMessage.objects.create(
        message_id=f"<m{next(_counter)}@acme.test>", thread=thread, direction=direction,
        from_address="hank@acme.test", from_name="Hank", to=["sam@crm.test"],
        subject=subject, text=text, html=html, sent_at=when, activity=activity,
        status="received" if direction == "incoming" else "sent")
    for filename, content_type, payload, cid in attachments:
        attachment = EmailAttachment(message=message, filename=filename,
                                     content_type=content_type, size=len(payload),
                                     content_id=cid)
        attachment.file.save(filename, ContentFile(payload), save=False)
        attachment.save()
    aggregation.process_items(activity_ids=[activity.pk])
    return message


# --- sanitising and folding ---------------------------------------------------------------------
def test_scripts_handlers_iframes_and_forms_are_removed():
    safe, _remote = sanitize_html(
        '<p onclick="steal()" style="color:red">Hi<script>alert(1)</script></p>'
        '<iframe src="https://evil.test"></iframe><form action="/x"><input name="a"></form>'
        '<a href="javascript:alert(1)">x</a><style>p{}</style><svg onload="x()"></svg>')
    assert "script" not in safe and "alert" not in safe and "onclick" not in safe
    assert "style" not in safe and "iframe" not in safe and "<form" not in safe
    assert "<input" not in safe and "javascript:" not in safe and "onload" not in safe
    assert "<p>Hi</p>" in safe


def test_remote_images_are_blocked_until_allowed():
    html = '<p>Logo</p><img src="https://tracker.test/pixel.gif?u=1" alt="x">'
    blocked, remote = sanitize_html(html)
    assert remote
    assert ' src="https://tracker.test' not in blocked
    assert 'data-remote-src="https://tracker.test/pixel.gif?u=1"' in blocked
    allowed, _remote = sanitize_html(html, allow_remote_images=True)
    assert 'src="https://tracker.test/pixel.gif?u=1"' in allowed


def test_quoted_history_is_split_off():
    segments = split_quoted_text(
        "Sounds good.\n\nOn Mon, 7 Dec 2026 at 10:00, Sam <sam@crm.test> wrote:\n> Offer\n")
    assert segments == [("text", "Sounds good."),
                        ("quote", "On Mon, 7 Dec 2026 at 10:00, Sam <sam@crm.test> wrote:\n"
                                  "> Offer")]
    outlook = split_quoted_text("Yes.\n\nFrom: Sam\nSent: Monday\nTo: Hank\nSubject: Offer\n\nx")
    assert outlook[0] == ("text", "Yes.") and outlook[1][0] == "quote"


# --- on the timeline ----------------------------------------------------------------------------
def test_a_thread_shows_once_with_its_count_and_expands(org, web):
    contact = ContactFactory(owner=org.sam)
    first = make_email(contact, owner=org.sam, subject="Offer", text="First",
                       when=timezone.now() - timedelta(hours=3), direction="outgoing")
    thread = first.thread
    make_email(contact, owner=org.sam, subject="Re: Offer", text="Second", thread=thread,
               when=timezone.now() - timedelta(hours=2))
    make_email(contact, owner=org.sam, subject="Re: Offer", text="Third and latest",
               thread=thread, when=timezone.now() - timedelta(hours=1))
    client = web(org.sam)

    page = client.get(f"/timeline/contact/{contact.pk}/", **HTMX).content.decode()
    assert page.count('class="tl-entry"') == 1
    assert "Third and latest" in page and "First" not in page
    assert "3 messages" in page

    expanded = client.get(f"/mail/threads/{thread.pk}/?record=contact:{contact.pk}",
                          **HTMX).content.decode()
    assert expanded.index("First") < expanded.index("Second") < expanded.index("Third")
    # another team cannot open it
    assert web(org.olga).get(f"/mail/threads/{thread.pk}/", **HTMX).status_code == 404


def test_the_emails_filter_narrows_the_timeline(org, web):
    from crm.activities.services import activity_create

    contact = ContactFactory(owner=org.sam)
    make_email(contact, owner=org.sam, subject="The email", text="x")
    note = activity_create(actor=org.sam, kind="note", regarding=contact, description="A note")
    aggregation.process_items(activity_ids=[note.pk])
    client = web(org.sam)
    page = get_with_panels(client, contact.get_absolute_url())
    assert ">Emails</option>" in page
    only = client.get(f"/timeline/contact/{contact.pk}/?kind=email", **HTMX).content.decode()
    assert "The email" in only and "A note" not in only


def test_quoted_text_sits_behind_a_toggle_and_html_is_sanitised_on_the_page(org, web):
    contact = ContactFactory(owner=org.sam)
    make_email(contact, owner=org.sam, subject="Plain", text="New words\n\n> old words\n")
    make_email(contact, owner=org.sam, subject="Rich",
               html='<p>Rich words<script>alert(1)</script></p>'
                    '<img src="https://tracker.test/p.gif">'
                    '<blockquote>older rich words</blockquote>')
    page = web(org.sam).get(f"/timeline/contact/{contact.pk}/", **HTMX).content.decode()
    assert "<details" in page and "Show quoted text" in page
    assert page.index("New words") < page.index("<details", page.index("New words"))
    assert "alert(1)" not in page
    assert ' src="https://tracker.test' not in page and "Show remote images" in page


def test_show_remote_images_reloads_the_message_with_them(org, web):
    contact = ContactFactory(owner=org.sam)
    message = make_email(contact, owner=org.sam, subject="Rich",
                         html='<p>Hi</p><img src="https://cdn.acme.test/logo.png">')
    client = web(org.sam)
    body = client.get(f"/mail/messages/{message.pk}/body/?images=1", **HTMX).content.decode()
    assert 'src="https://cdn.acme.test/logo.png"' in body
    assert web(org.olga).get(f"/mail/messages/{message.pk}/body/?images=1").status_code == 404


def test_remote_images_open_on_a_page_whose_policy_alone_lets_them_load(org, web):
    contact = ContactFactory(owner=org.sam)
    message = make_email(contact, owner=org.sam, subject="Rich",
                         html='<p>Hi</p><img src="https://cdn.acme.test/logo.png">')
    client = web(org.sam)
    blocked = client.get(f"/mail/messages/{message.pk}/body/")
    assert ' src="https://cdn.acme.test/logo.png"' not in blocked.content.decode()
    assert "https:" not in blocked["Content-Security-Policy"]
    allowed = client.get(f"/mail/messages/{message.pk}/body/?images=1")
    assert allowed.status_code == 200
    assert ' src="https://cdn.acme.test/logo.png"' in allowed.content.decode()
    policy = dict(part.strip().split(" ", 1) for part in allowed["Content-Security-Policy"].split(";"))
    assert "https:" in policy["img-src"]
    assert policy["script-src"] == "'self'"
    timeline = client.get(f"/timeline/contact/{contact.pk}/").content.decode()
    assert f'href="/mail/messages/{message.pk}/body/?images=1' in timeline


def test_attachments_download_for_readers_only(org, web):
    contact = ContactFactory(owner=org.sam)
    message = make_email(contact, owner=org.sam, subject="Docs", html='<img src="cid:logo1">',
                         attachments=[("terms.pdf", "application/pdf", b"%PDF-1.4 x", ""),
                                      ("logo.png", "image/png", b"\x89PNG", "<logo1>")])
    pdf = message.attachments.get(filename="terms.pdf")
    logo = message.attachments.get(filename="logo.png")
    page = web(org.sam).get(f"/timeline/contact/{contact.pk}/", **HTMX).content.decode()
    assert f"/mail/attachments/{pdf.pk}/" in page
    assert f'src="/mail/attachments/{logo.pk}/?inline=1"' in page  # the cid: image, inline

    response = web(org.sam).get(f"/mail/attachments/{pdf.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"
    assert "attachment" in response["Content-Disposition"]
    # sofia (same team) reads Sam's record; olga (another team) gets a 404
    assert web(org.sofia).get(f"/mail/attachments/{pdf.pk}/").status_code == 200
    assert web(org.olga).get(f"/mail/attachments/{pdf.pk}/").status_code == 404


def _bulk_emails(contact, owner, count):
    """`count` emails in threads of two, written the fast way (read model rows included)."""
    now = timezone.now()
    threads = EmailThread.objects.bulk_create(
        [EmailThread(subject=f"T{i}", regarding_type="contact", regarding_id=contact.pk,
                     message_count=2) for i in range(count // 2)])
    activities = Activity.objects.bulk_create([
        Activity(kind=ActivityKind.EMAIL, state=ActivityState.COMPLETED, owner=owner,
                 subject=f"Mail {i}", contact=contact, direction="incoming",
                 created_at=now - timedelta(minutes=i), timeline_synced=True)
        for i in range(count)])
    EmailMessage.objects.bulk_create([
        EmailMessage(message_id=f"<bulk{contact.pk}-{i}@acme.test>",
                     thread=threads[i // 2], direction="incoming",
                     from_address="hank@acme.test", subject=f"Mail {i}", text=f"Body {i}",
                     sent_at=activity.created_at, activity=activity, status="received")
        for i, activity in enumerate(activities)])
    TimelineEntry.objects.bulk_create([
        TimelineEntry(record_type="contact", record_id=contact.pk,
                      occurred_at=activity.created_at, kind=ActivityKind.EMAIL,
                      activity=activity, source_type="contact", source_id=contact.pk,
                      source_label=str(contact), activity_owner_id=owner.pk)
        for activity in activities])


def test_the_timeline_costs_the_same_with_5000_emails_as_with_10(org, web):
    few, many = ContactFactory(owner=org.sam), ContactFactory(owner=org.sam)
    _bulk_emails(few, org.sam, 10)
    _bulk_emails(many, org.sam, 5000)
    client = web(org.sam)
    client.get(f"/timeline/contact/{few.pk}/", **HTMX)  # warm the session and caches

    counts = {}
    for name, contact in (("few", few), ("many", many)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/timeline/contact/{contact.pk}/", **HTMX)
        assert response.status_code == 200
        counts[name] = len(queries)
        # threads of two: the page shows the latest of each, "2 messages"
        assert "2 messages" in response.content.decode()
    assert counts["few"] == counts["many"]
    assert counts["many"] <= 12


# --- compose ------------------------------------------------------------------------------------
def test_compose_is_prefilled_and_keeps_what_was_typed_on_errors(org, web):
    contact = ContactFactory(first_name="Hank", email="hank@acme.test", owner=org.sam)
    client = web(org.sam)
    detail = get_with_panels(client, contact.get_absolute_url())
    assert f"/mail/compose/contact/{contact.pk}/" in detail  # the Email button
    form = client.get(f"/mail/compose/contact/{contact.pk}/", **HTMX).content.decode()
    assert 'value="hank@acme.test"' in form
    response = client.post(f"/mail/compose/contact/{contact.pk}/", {
        "mail-to": "not an address", "mail-subject": "Typed subject",
        "mail-body": "Typed body {{ contact.first_name }}"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Typed subject" in page and "Typed body" in page
    assert "is not an e-mail address" in page or "Enter a valid" in page
    assert not EmailMessage.objects.exists()


def test_compose_template_fills_merged_values(org, web):
    from crm.mail.models import EmailTemplate

    contact = ContactFactory(first_name="Hank", email="hank@acme.test", owner=org.sam)
    template = EmailTemplate.objects.create(name="Hi", subject="Hello {{ contact.first_name }}",
                                            body="Dear {{ contact.first_name }},", owner=org.sam)
    fields = web(org.sam).get(f"/mail/compose/contact/{contact.pk}/template/",
                              {"mail-template": template.pk}, **HTMX).content.decode()
    assert 'value="Hello Hank"' in fields and "Dear Hank," in fields


def test_compose_sends_and_shows_the_message_on_the_timeline(
        org, web, mailoutbox, django_capture_on_commit_callbacks):
    contact = ContactFactory(first_name="Hank", email="hank@acme.test", owner=org.sam)
    client = web(org.sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/mail/compose/contact/{contact.pk}/", {
            "mail-to": "hank@acme.test", "mail-subject": "Hi {{ contact.first_name }}",
            "mail-body": "The offer.", "mail-idempotency_key": "abc"}, **HTMX)
    assert response["HX-Retarget"] == "#timeline-panel"
    page = response.content.decode()
    assert "Email “Hi Hank”" in page
    assert 'class="tl-entry"' in page and "The offer." in page
    assert len(mailoutbox) == 1
    # a double submit of the same form sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/mail/compose/contact/{contact.pk}/", {
            "mail-to": "hank@acme.test", "mail-subject": "Hi {{ contact.first_name }}",
            "mail-body": "The offer.", "mail-idempotency_key": "abc"}, **HTMX)
    assert len(mailoutbox) == 1


def test_compose_preview_shows_real_values_or_names_unknown_fields(org, web):
    contact = ContactFactory(first_name="Hank", email="hank@acme.test", owner=org.sam)
    client = web(org.sam)
    url = f"/mail/compose/contact/{contact.pk}/preview/"
    ok = client.post(url, {"mail-subject": "Hi {{ contact.first_name }}",
                           "mail-body": "Dear {{ contact.first_name }}"}, **HTMX)
    assert "Hi Hank" in ok.content.decode() and "Dear Hank" in ok.content.decode()
    bad = client.post(url, {"mail-subject": "Hi", "mail-body": "{{ contact.shoe }}"}, **HTMX)
    assert "contact.shoe" in bad.content.decode()


def test_compose_on_a_quote_offers_its_pdf(org, web):
    from tests.quotes.factories import make_active_quote

    quote = make_active_quote(owner=org.sam)
    form = web(org.sam).get(f"/mail/compose/quote/{quote.pk}/", **HTMX).content.decode()
    assert f'value="quote:{quote.pk}"' in form and f"Quote {quote.number} (PDF)" in form
    # a record with no documents has no attachment choice
    contact = ContactFactory(owner=org.sam, email="x@acme.test")
    form = web(org.sam).get(f"/mail/compose/contact/{contact.pk}/", **HTMX).content.decode()
    assert "Attach PDF" not in form
