"""Email templates: merge fields from the record, unknown fields named, CRUD, preview."""

import pytest
from django.core.exceptions import ValidationError

from crm.common.errors import ErrorCode
from crm.mail import merge
from crm.mail.models import EmailTemplate
from crm.mail.sending import merge_for
from tests.factories import AccountFactory, ContactFactory


@pytest.fixture(autouse=True)
def _mail_key(settings):
    settings.CRM_MAIL_KEY = "Lh5nxHQ1lSp0ZrKd1f0d3v2xX0oWb1Q9oE6M8c2o0bY="


@pytest.fixture
def deal(org):
    from tests.opportunities.factories import OpportunityFactory

    account = AccountFactory(name="Acme & Sons", owner=org.sam)
    contact = ContactFactory(first_name="Hank", last_name="Scorpio", email="hank@acme.test",
                             account=account, owner=org.sam)
    return OpportunityFactory(owner=org.sam, account=account, contact=contact,
                              topic="Hammocks <premium>")


def test_merge_fills_the_record_its_relations_and_the_sender(org, deal):
    org.sam.first_name = "Sam"
    rendered = merge_for(actor=org.sam, record=deal,
                         subject="{{ opportunity.name }} for {{ account.name }}",
                         body="Dear {{ contact.first_name }},\n{{ user.first_name }} "
                              "from {{ company.name }}")
    # plain text: nothing is HTML-escaped
    assert rendered.subject == "Hammocks <premium> for Acme & Sons"
    assert rendered.body.startswith("Dear Hank,\nSam from ")


def test_a_quote_exposes_its_number_and_its_customer(org):
    from tests.quotes.factories import make_active_quote

    quote = make_active_quote(owner=org.sam)
    rendered = merge_for(actor=org.sam, record=quote, subject="Quote {{ quote.number }}",
                         body="{{ contact.full_name }} / {{ opportunity.name }} / "
                              "{{ quote.total }}")
    assert rendered.subject == f"Quote {quote.number}"
    assert quote.contact.full_name in rendered.body
    assert quote.opportunity.topic in rendered.body


def test_unknown_merge_fields_are_named_not_left_blank(org, deal):
    with pytest.raises(ValidationError) as error:
        merge_for(actor=org.sam, record=deal, subject="Hi {{ contact.nickname }}",
                  body="{{ lead.first_name }} {{ contact.first_name }} {{ invoice.number }}")
    fields = error.value.message_dict
    assert "contact.nickname" in fields["subject"][0]
    assert "lead.first_name" in fields["body"][0] and "invoice.number" in fields["body"][0]
    assert "contact.first_name" not in fields["body"][0]


@pytest.mark.parametrize("source", [
    "{{ contact.first_name.__class__ }}",  # private attributes: refused when parsed
    "{{ contact.delete }}",  # no model methods: the context holds plain values only
    "{{ contact.first_name.upper }}",  # no methods of the values either
    "{% load static %}",  # no tags at all
    "{% include 'base.html' %}",
    "{{ contact }}",  # a record is no value
])
def test_templates_reach_nothing_but_the_listed_values(org, deal, source):
    with pytest.raises(ValidationError):
        merge_for(actor=org.sam, record=deal, subject="Hi", body=source)


def test_filters_still_work(org, deal):
    rendered = merge.render(subject="x", body="{{ contact.nickname|default:'there' }}",
                            context={"contact": {"nickname": ""}})
    assert rendered.body == "there"


def test_private_fields_are_not_exposed(org):
    from tests.factories import UserFactory

    context = merge.build_context(record=None, user=UserFactory(first_name="Ann"))
    assert "password" not in context["user"] and context["user"]["first_name"] == "Ann"


# --- API ----------------------------------------------------------------------------------------
def test_templates_api_owner_and_shared_and_admin(org, api):
    body = {"name": "Follow-up", "subject": "About {{ opportunity.name }}",
            "body": "Hi {{ contact.first_name }}", "shared": True}
    created = api(org.sam).post("/api/v1/email-templates/", body, format="json")
    assert created.status_code == 201, created.json()
    private = api(org.sam).post("/api/v1/email-templates/", {**body, "name": "Mine",
                                                             "shared": False}, format="json")
    template_id, private_id = created.json()["id"], private.json()["id"]

    listed = api(org.olga).get("/api/v1/email-templates/").json()["results"]
    assert [t["name"] for t in listed] == ["Follow-up"]  # shared yes, private no
    assert api(org.olga).get(f"/api/v1/email-templates/{private_id}/").status_code == 404
    refused = api(org.olga).patch(f"/api/v1/email-templates/{template_id}/", {"name": "x"},
                                  format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == ErrorCode.PERMISSION_DENIED
    assert api(org.admin).patch(f"/api/v1/email-templates/{template_id}/", {"name": "Admin"},
                                format="json").status_code == 200
    assert api(org.sam).delete(f"/api/v1/email-templates/{private_id}/").status_code == 204


def test_a_template_with_a_bad_variable_is_refused_when_saved(org, api):
    response = api(org.sam).post("/api/v1/email-templates/", {
        "name": "Bad", "subject": "Hi", "body": "{{ contatc.first_name }}"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.VALIDATION_ERROR
    assert "contatc.first_name" in response.json()["fields"]["body"][0]


def test_preview_uses_the_records_real_values(org, api, deal):
    template = EmailTemplate.objects.create(name="T", subject="{{ opportunity.name }}",
                                            body="Hi {{ contact.first_name }}", owner=org.sam)
    response = api(org.sam).post(f"/api/v1/email-templates/{template.pk}/preview/", {
        "regarding_type": "opportunity", "regarding_id": deal.pk}, format="json")
    assert response.status_code == 200
    assert response.json() == {"subject": "Hammocks <premium>", "body": "Hi Hank"}
    # another team's record does not exist for the caller
    other = api(org.olga).post(f"/api/v1/email-templates/{template.pk}/preview/", {
        "regarding_type": "opportunity", "regarding_id": deal.pk}, format="json")
    assert other.status_code == 404


def test_preview_names_unknown_fields(org, api):
    lead_template = EmailTemplate.objects.create(name="T", subject="Hi",
                                                 body="{{ lead.first_name }}", owner=org.sam)
    contact = ContactFactory(owner=org.sam)
    response = api(org.sam).post(f"/api/v1/email-templates/{lead_template.pk}/preview/", {
        "regarding_type": "contact", "regarding_id": contact.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.VALIDATION_ERROR
    assert "lead.first_name" in response.json()["fields"]["body"][0]


def test_send_api_with_a_template(org, api, deal, django_capture_on_commit_callbacks,
                                  mailoutbox):
    template = EmailTemplate.objects.create(name="T", subject="{{ opportunity.name }}",
                                            body="Hi {{ contact.first_name }}", owner=org.sam)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.sam).post("/api/v1/emails/", {
            "regarding_type": "opportunity", "regarding_id": deal.pk,
            "template": template.pk}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] in ("sending", "sent") and body["thread"]
    assert (body["regarding_type"], body["regarding_id"]) == ("opportunity", deal.pk)
    assert body["to"] == ["hank@acme.test"] and body["subject"] == "Hammocks <premium>"
    assert mailoutbox[0].body == "Hi Hank"


def test_send_api_unknown_merge_field_is_a_400_on_body(org, api, deal):
    response = api(org.sam).post("/api/v1/emails/", {
        "regarding_type": "opportunity", "regarding_id": deal.pk, "subject": "Hi",
        "body": "{{ contact.shoe_size }}"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.VALIDATION_ERROR
    assert "contact.shoe_size" in response.json()["fields"]["body"][0]


def test_send_api_retry_of_a_sent_email_is_refused(org, api, deal,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = api(org.sam).post("/api/v1/emails/", {
            "regarding_type": "opportunity", "regarding_id": deal.pk, "subject": "Hi",
            "body": "Hello"}, format="json").json()
    response = api(org.sam).post(f"/api/v1/emails/{sent['id']}/retry/")
    assert response.status_code == 409
    assert response.json()["code"] == ErrorCode.TRANSITION_NOT_ALLOWED
    assert api(org.olga).post(f"/api/v1/emails/{sent['id']}/retry/").status_code == 404


def test_send_api_idempotency_key_returns_the_first_answer(org, api, deal, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    client = api(org.sam)
    payload = {"regarding_type": "opportunity", "regarding_id": deal.pk, "subject": "Hi",
               "body": "Hello"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/api/v1/emails/", payload, format="json",
                            HTTP_IDEMPOTENCY_KEY="abc")
        again = client.post("/api/v1/emails/", payload, format="json",
                            HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(mailoutbox) == 1


# --- pages --------------------------------------------------------------------------------------
def test_template_pages_create_edit_delete(org, web):
    client = web(org.sam)
    assert client.get("/mail/templates/").status_code == 200
    response = client.post("/mail/templates/new/", {
        "name": "Intro", "subject": "Hello {{ contact.first_name }}", "body": "Hi"})
    assert response.status_code == 302
    template = EmailTemplate.objects.get(name="Intro")
    assert template.owner == org.sam
    page = client.get("/mail/templates/")
    assert b"Intro" in page.content
    bad = client.post(f"/mail/templates/{template.pk}/edit/", {
        "name": "Intro", "subject": "x", "body": "{{ contatc.name }}"})
    assert bad.status_code == 400 and b"contatc.name" in bad.content
    assert b"{{ contatc.name }}" in bad.content  # what was typed is kept
    client.post(f"/mail/templates/{template.pk}/delete/")
    assert not EmailTemplate.objects.exists()


def test_someone_elses_private_template_is_a_404_and_shared_is_read_only(org, web):
    private = EmailTemplate.objects.create(name="P", subject="s", body="b", owner=org.sofia)
    shared = EmailTemplate.objects.create(name="S", subject="s", body="b", owner=org.sofia,
                                          shared=True)
    client = web(org.sam)
    assert client.get(f"/mail/templates/{private.pk}/edit/").status_code == 404
    assert client.get(f"/mail/templates/{shared.pk}/edit/").status_code == 403
    assert client.post(f"/mail/templates/{shared.pk}/delete/").status_code == 403


def test_a_field_no_record_has_is_refused_when_the_template_is_saved(org, web):
    response = web(org.sam).post("/mail/templates/new/", {
        "name": "Nick", "subject": "Hi", "body": "Hi {{ contact.nickname }}"})
    assert response.status_code == 400
    assert b"contact.nickname" in response.content
    page = web(org.sam).get("/mail/templates/new/").content.decode()
    assert "opportunity.topic" in page and "quote.number" in page  # the fields are listed


def test_the_html_part_is_merged_with_its_values_escaped(org, api, deal, mailoutbox,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(org.sam).post("/api/v1/emails/", {
            "regarding_type": "opportunity", "regarding_id": deal.pk, "subject": "Hi",
            "body": "Plain {{ opportunity.name }}",
            "html": "<p>About {{ opportunity.name }}</p>"}, format="json")
    assert response.status_code == 201
    [sent] = mailoutbox
    assert sent.body == "Plain Hammocks <premium>"
    assert sent.alternatives[0][0] == "<p>About Hammocks &lt;premium&gt;</p>"
