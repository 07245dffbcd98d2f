"""The score endpoints (visibility, reasons) and re-scoring after a committed change."""

from datetime import date, timedelta

import pytest

from crm.activities.services import activity_create
from crm.scoring import services
from crm.scoring.models import CloseDateSlip, LeadScore, OpportunityScore
from leads.models import Lead
from leads.services import lead_disqualify
from opportunities.services import opportunity_update
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory

from .conftest import make_closed_leads

pytestmark = pytest.mark.django_db


def test_the_owner_reads_the_score_with_factors_in_words(api, org, small_history):
    make_closed_leads(org.sam, 300)
    services.model_train(kind="lead")
    lead = Lead.objects.create(topic="R", last_name="R", owner=org.sam, source="employee_referral")
    services.records_rescore(kind="lead", ids=[lead.pk])

    body = api(org.sam).get(f"/api/v1/leads/{lead.pk}/score/").json()

    row = LeadScore.objects.get(lead=lead)
    assert body["score"] == row.score and body["grade"] == row.grade
    assert body["model_version"] == 1 and body["reason"] is None
    assert body["factors"][0]["label"].startswith("Source: Employee referral")
    assert body["factors"][0]["effect"] > 0
    assert set(body["factors"][0]) == {"label", "effect"}


def test_a_record_the_caller_may_not_read_is_404_and_anonymous_is_401(api, org, small_history):
    make_closed_leads(org.sam, 300)
    services.model_train(kind="lead")
    lead = Lead.objects.create(topic="R", last_name="R", owner=org.sam)
    opp = OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))

    for url in (f"/api/v1/leads/{lead.pk}/score/", f"/api/v1/opportunities/{opp.pk}/score/"):
        response = api(org.olga).get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert api().get(url).status_code == 401
        assert api(org.maria).get(url).status_code == 200       # Sam's manager
    assert api(org.sam).get("/api/v1/leads/999999/score/").status_code == 404


def test_no_model_yet_says_not_enough_history(api, org):
    opp = OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam))

    body = api(org.sam).get(f"/api/v1/opportunities/{opp.pk}/score/").json()

    assert body == {"score": None, "grade": None, "factors": [], "model_version": None,
                    "scored_at": None, "reason": "not_enough_history"}


def test_scoring_off_and_closed_records_say_so(api, org, small_history):
    make_closed_leads(org.sam, 300)
    services.model_train(kind="lead")
    lead = Lead.objects.create(topic="R", last_name="R", owner=org.sam)
    closed = Lead.objects.filter(owner=org.sam, status="qualified").first()

    assert api(org.sam).get(f"/api/v1/leads/{closed.pk}/score/").json()["reason"] == "closed"
    services.scoring_switch_set(enabled=False, actor=org.admin)
    body = api(org.sam).get(f"/api/v1/leads/{lead.pk}/score/").json()
    assert body["score"] is None and body["reason"] == "scoring_off"


def test_a_logged_email_reply_rescores_the_lead_after_commit(
        org, small_history, django_capture_on_commit_callbacks):
    make_closed_leads(org.sam, 300)
    services.model_train(kind="lead")
    lead = Lead.objects.create(topic="R", last_name="R", owner=org.sam, source="web")
    services.records_rescore(kind="lead", ids=[lead.pk])
    before = LeadScore.objects.get(lead=lead)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            activity_create(actor=org.sam, kind="email", regarding=lead, completed=True,
                            subject="Re: offer", direction="incoming")

    after = LeadScore.objects.get(lead=lead)
    assert after.scored_at > before.scored_at
    assert after.score > before.score       # answered emails are what qualified leads had


def test_closing_a_lead_removes_its_score(org, small_history,
                                          django_capture_on_commit_callbacks):
    make_closed_leads(org.sam, 300)
    services.model_train(kind="lead")
    lead = Lead.objects.create(topic="R", last_name="R", owner=org.sam)
    services.records_rescore(kind="lead", ids=[lead.pk])

    with django_capture_on_commit_callbacks(execute=True):
        lead_disqualify(lead=lead, actor=org.sam, reason="lost")

    assert not LeadScore.objects.filter(lead=lead).exists()


def test_moving_the_close_date_later_records_a_slip_and_earlier_does_not(
        org, django_capture_on_commit_callbacks):
    opp = OpportunityFactory(owner=org.sam, account=AccountFactory(owner=org.sam),
                             estimated_close_date=date(2026, 12, 1))

    with django_capture_on_commit_callbacks(execute=True):
        opp = opportunity_update(opportunity=opp, actor=org.sam,
                                 estimated_close_date=date(2027, 1, 15))
        opp = opportunity_update(opportunity=opp, actor=org.sam,
                                 estimated_close_date=date(2027, 1, 5))

    slips = list(CloseDateSlip.objects.filter(opportunity=opp))
    assert [(s.from_date, s.to_date) for s in slips] == [(date(2026, 12, 1), date(2027, 1, 15))]
    assert not OpportunityScore.objects.filter(opportunity=opp).exists()   # no model yet


def test_rescoring_one_record_takes_few_queries(org, small_history, django_assert_max_num_queries):
    make_closed_leads(org.sam, 300)
    model = services.model_train(kind="lead")
    lead = Lead.objects.create(topic="R", last_name="R", owner=org.sam)

    with django_assert_max_num_queries(8):
        services.records_rescore(kind="lead", ids=[lead.pk], model=model)
    assert LeadScore.objects.get(lead=lead).scored_at > lead.created_at - timedelta(seconds=1)
