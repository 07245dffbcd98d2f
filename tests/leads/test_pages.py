"""The lead pages: list with saved views, detail with actions, forms, bulk actions."""

import pytest

from crm.common.codes import RefusalReason
from leads import services
from leads.models import Lead
from opportunities.models import Opportunity
from tests.factories import AccountFactory
from tests.panels import get_with_panels, with_panels

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_my_open_leads_is_the_default_view(org, web):
    mine = LeadFactory(owner=org.sam, last_name="Mine")
    LeadFactory(owner=org.sofia, last_name="Teammates")
    closed = LeadFactory(owner=org.sam, last_name="Closedone")
    services.lead_disqualify(lead=closed, actor=org.sam, reason="lost")

    page = web(org.sam).get("/leads/")
    assert page.status_code == 200
    assert [row.pk for row in page.context["object_list"]] == [mine.pk]

    page = web(org.sam).get("/leads/?view=open")
    assert {lead.last_name for lead in page.context["object_list"]} == {"Mine", "Teammates"}
    page = web(org.sam).get("/leads/?view=closed")
    assert [row.pk for row in page.context["object_list"]] == [closed.pk]


def test_the_list_searches_filters_and_sorts(org, web):
    LeadFactory(owner=org.sam, last_name="Murphy", company="Contoso", rating="hot")
    LeadFactory(owner=org.sam, last_name="Ramos", company="Trey", rating="cold")
    client = web(org.sam)
    assert [x.last_name for x in client.get("/leads/?q=contoso").context["object_list"]] == [
        "Murphy"]
    assert [x.last_name for x in client.get("/leads/?view=all&rating=cold")
            .context["object_list"]] == ["Ramos"]
    assert [x.last_name for x in client.get("/leads/?sort=name").context["object_list"]] == [
        "Murphy", "Ramos"]
    assert [x.last_name for x in client.get("/leads/?sort=-name").context["object_list"]] == [
        "Ramos", "Murphy"]


def test_an_empty_list_explains_what_to_do(org, web):
    page = web(org.sam).get("/leads/")
    assert "You have no open leads" in page.content.decode()


def test_the_list_page_query_count_does_not_grow_with_rows(org, web, django_assert_max_num_queries):
    for _ in range(40):
        LeadFactory(owner=org.sam)
    client = web(org.sam)
    with django_assert_max_num_queries(12):
        response = client.get("/leads/?view=all")
    assert len(response.context["object_list"]) >= 25


def test_creating_a_lead_through_the_form(org, web):
    response = web(org.sam).post("/leads/new/", {
        "topic": "40 seats", "first_name": "Regina", "last_name": "Murphy",
        "email": "regina@contoso.example", "source": "web"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
    assert lead.owner == org.sam


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(org, web):
    response = web(org.sam).post("/leads/new/", {"topic": "40 seats", "first_name": "Regina",
                                                "email": "not-an-email"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a last name or a company." in html
    assert 'value="Regina"' in html
    assert not Lead.objects.exists()


def test_the_duplicate_warning_shows_matches_while_typing(org, web):
    existing = LeadFactory(owner=org.sam, email="regina@contoso.example")
    response = web(org.sam).get("/leads/duplicates/", {"email": "REGINA@contoso.example"})
    assert "Possible duplicate" in response.content.decode()
    assert existing.get_absolute_url() in response.content.decode()
    assert "Possible duplicate" not in web(org.sam).get(
        "/leads/duplicates/", {"email": "nobody@else.example"}).content.decode()


def test_the_detail_page_shows_duplicates_and_the_allowed_actions(org, web):
    lead = LeadFactory(owner=org.sam, email="a@b.example")
    LeadFactory(owner=org.sam, email="A@b.example")
    client = web(org.sam)
    first_paint = client.get(f"/leads/{lead.pk}/").content.decode()
    # The duplicate lookups run after the first paint (a panel loaded by htmx)
    assert "Possible duplicates" not in first_paint
    assert f"/records/lead/{lead.pk}/panels/duplicates/" in first_paint
    html = with_panels(client, first_paint)
    assert "Possible duplicates" in html and "Merge into this lead" in html
    assert "Mark contacted" in html and "Qualify" in html and "Reactivate" not in html


def test_the_duplicates_box_costs_two_queries_for_four_rules_and_two_phones(
        org, web, django_assert_max_num_queries):
    lead = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy",
                       company="Contoso", email="regina@contoso.example",
                       business_phone="+1 415 555 0100", mobile_phone="+1 415 555 0199")
    by_email = LeadFactory(owner=org.sam, email="REGINA@contoso.example")
    by_mobile = LeadFactory(owner=org.sofia, business_phone="(415) 555-0199")
    by_company = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy",
                             company="Contoso Ltd", email="")
    by_domain = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy",
                            company="", email="rm@contoso.example")
    LeadFactory(owner=org.olga, email="regina@contoso.example")  # another team: not shown
    client = web(org.sam)
    url = f"/records/lead/{lead.pk}/panels/duplicates/"
    client.get(url)  # the session and the user's scope are warm

    with django_assert_max_num_queries(5):  # user, team, the lead, candidates, their rows
        html = client.get(url).content.decode()

    rows = html.split("<tr>")[2:]
    assert [r.split('href="')[1].split('"')[0] for r in rows] == [
        d.get_absolute_url() for d in (by_email, by_mobile, by_company, by_domain)]
    assert ["Same email" in rows[0], "Same phone" in rows[1]] == [True, True]
    assert "Similar name, same company" in rows[2]
    assert "Similar name, same email domain" in rows[3]
    # Sam may merge his own lead, not Sofia's (he reads it as a teammate)
    assert "Merge into this lead" in rows[0] and "Merge into this lead" not in rows[1]


def test_a_lead_without_duplicates_shows_no_box(org, web):
    lead = LeadFactory(owner=org.sam, email="unique@nowhere.example", business_phone="",
                       mobile_phone="")
    client = web(org.sam)
    assert client.get(f"/records/lead/{lead.pk}/panels/duplicates/").content == b""
    assert "Possible duplicates" not in get_with_panels(client, f"/leads/{lead.pk}/")


def test_a_teammate_sees_the_lead_without_actions_and_cannot_edit(org, web):
    lead = LeadFactory(owner=org.sam)
    html = web(org.sofia).get(f"/leads/{lead.pk}/").content.decode()
    assert "Mark contacted" not in html
    assert web(org.sofia).get(f"/leads/{lead.pk}/edit/").status_code == 403
    assert web(org.sofia).post(f"/leads/{lead.pk}/mark-contacted/").status_code == 403


def test_someone_outside_the_team_gets_a_404(org, web):
    lead = LeadFactory(owner=org.sam)
    assert web(org.olga).get(f"/leads/{lead.pk}/").status_code == 404
    assert web(org.olga).post(f"/leads/{lead.pk}/qualify/").status_code == 404


def test_disqualify_and_reactivate_from_the_detail_page(org, web):
    lead = LeadFactory(owner=org.sam)
    client = web(org.sam)
    client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "no_longer_interested"})
    assert Lead.objects.get(pk=lead.pk).status == "disqualified"
    assert "can no longer be edited" not in client.get(f"/leads/{lead.pk}/").content.decode()
    client.post(f"/leads/{lead.pk}/reactivate/")
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_a_refused_action_shows_the_reason(org, web):
    lead = LeadFactory(owner=org.sam)
    response = web(org.sam).post(f"/leads/{lead.pk}/reactivate/", follow=True)
    assert "cannot be reactivated" in response.content.decode()


def test_qualifying_from_the_page_lands_on_the_new_opportunity(org, web):
    lead = LeadFactory(owner=org.sam, company="Zephyr", last_name="Murphy")
    response = web(org.sam).post(f"/leads/{lead.pk}/qualify/", {
        "create_account": "on", "create_contact": "on", "create_opportunity": "on"})
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == opportunity.get_absolute_url()


def test_the_qualify_page_offers_matching_accounts_to_link(org, web):
    account = AccountFactory(name="Zephyr Inc")
    lead = LeadFactory(owner=org.sam, company="Zephyr", last_name="Murphy")
    client = web(org.sam)
    response = client.post(f"/leads/{lead.pk}/qualify/", {
        "create_account": "on", "create_contact": "on", "create_opportunity": "on"})
    assert response.status_code == 409
    assert "Zephyr Inc" in response.content.decode()
    client.post(f"/leads/{lead.pk}/qualify/", {
        "create_account": "on", "create_contact": "on", "create_opportunity": "on",
        "link_account": str(account.pk)})
    assert Opportunity.objects.get().account == account


def test_bulk_qualify_reports_a_result_per_lead(org, web):
    ok = LeadFactory(owner=org.sam, company="Alpha", last_name="One")
    AccountFactory(name="Beta")
    dup = LeadFactory(owner=org.sam, company="Beta", last_name="Two")
    closed = LeadFactory(owner=org.sam, company="Gamma", last_name="Three")
    services.lead_disqualify(lead=closed, actor=org.sam, reason="lost")
    response = web(org.sam).post("/leads/bulk/qualify/", {"ids": [ok.pk, dup.pk, closed.pk]})
    results = {r["lead"].pk: r for r in response.context["results"]}
    assert results[ok.pk]["ok"] and results[ok.pk]["opportunity"] is not None
    assert not results[dup.pk]["ok"] and results[dup.pk]["code"] == "duplicate_detected"
    assert not results[closed.pk]["ok"]
    assert results[closed.pk]["reason"] == RefusalReason.WRONG_STATUS
    assert response.context["ok_count"] == 1


def test_bulk_disqualify_reports_refusals_and_ignores_unreadable_leads(org, web):
    mine = LeadFactory(owner=org.sam)
    teammates = LeadFactory(owner=org.sofia)
    hidden = LeadFactory(owner=org.olga)
    response = web(org.sam).post("/leads/bulk/disqualify/", {
        "ids": [mine.pk, teammates.pk, hidden.pk], "reason": "lost"})
    results = {r["lead"].pk: r["ok"] for r in response.context["results"]}
    assert results == {mine.pk: True, teammates.pk: False}
    assert Lead.objects.get(pk=hidden.pk).status == "new"


def test_merge_from_the_detail_page(org, web):
    keep = LeadFactory(owner=org.sam, email="a@b.example")
    dup = LeadFactory(owner=org.sam, email="a@b.example")
    web(org.sam).post(f"/leads/{keep.pk}/merge/", {"duplicate": dup.pk})
    assert Lead.objects.get(pk=dup.pk).merged_into_id == keep.pk


def test_the_import_pages_walk_from_upload_to_progress(org, web, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.common import queue

    monkeypatch.setattr(services, "enqueue_on_commit", queue.publish)
    client = web(org.sam)
    assert client.get("/leads/import/").status_code == 200
    bad = client.post("/leads/import/", {"file": SimpleUploadedFile("x.csv", b""),
                                         "encoding": "utf-8"})
    assert bad.status_code == 400 and "file is empty" in bad.content.decode()
    csv_file = SimpleUploadedFile("leads.csv", b"Subject,Surname\nSeats,Murphy\nDemo,\n")
    response = client.post("/leads/import/", {"file": csv_file, "encoding": "utf-8"})
    mapping_url = response["Location"]
    page = client.get(mapping_url)
    assert "Preview of the first rows" in page.content.decode()
    form = {"col_0": "topic", "col_1": "last_name", "duplicate_policy": "skip"}
    preview = client.post(mapping_url, {**form, "preview": "1"})
    assert "Enter a last name or a company." in preview.content.decode()  # row 3: no name
    response = client.post(mapping_url, {**form, "start": "1"})
    progress = client.get(response["Location"])
    assert progress.context["job"].created_count == 1
    assert "Download the report" in progress.content.decode()
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()


def test_global_search_finds_readable_leads_only(org, web):
    LeadFactory(owner=org.sam, last_name="Quixotic", company="Windmill Ltd")
    LeadFactory(owner=org.olga, last_name="Quixotic", company="Hidden Co")
    html = web(org.sofia).get("/search/", {"q": "quixotic"}).content.decode()
    assert "Windmill Ltd" in html and "Hidden Co" not in html


def test_the_lead_record_type_rolls_up_to_its_opportunity(org):
    from crm.common.registries import record_types

    lead = LeadFactory(owner=org.sam)
    record_type = record_types.get("lead")
    assert record_type.url_name == "lead-detail"
    assert record_type.parents(lead) == []
    services.lead_mark_qualified(lead=lead, actor=org.sam, opportunity_id=12)
    lead.refresh_from_db()
    assert record_type.parents(lead) == [("opportunity", 12)]
