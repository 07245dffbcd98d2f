"""Training and explanations: exact contributions, time split, too little history,
idempotent retraining."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.scoring import engine, services
from crm.scoring.models import LeadScore, ScoringModel
from crm.scoring.registry import spec_for
from crm.scoring.selectors import score_for
from leads.models import Lead
from tests.factories import UserFactory

from .conftest import make_closed_leads

pytestmark = pytest.mark.django_db


def test_too_little_history_trains_no_model_and_the_score_says_so(settings):
    settings.CRM_SCORING_MIN_PER_OUTCOME = 200
    owner = UserFactory()
    make_closed_leads(owner, 120)
    open_lead = Lead.objects.create(topic="Open", last_name="O", owner=owner)

    assert services.model_train(kind="lead") is None
    services.rescore_all(kind="lead")

    assert not ScoringModel.objects.exists()
    row = LeadScore.objects.get(lead=open_lead)
    assert row.score is None and row.grade == "" and row.model is None
    shown = score_for(Lead.objects.get(pk=open_lead.pk))
    assert shown["score"] is None and shown["reason"] == "not_enough_history"


def test_contributions_sum_exactly_to_the_logit_and_the_score(small_history):
    owner = UserFactory()
    make_closed_leads(owner, 300)
    model = services.model_train(kind="lead")
    spec = spec_for("lead")
    rows = list(spec.closed_rows())[:50]

    for row in rows:
        explained = engine.explain(spec, model.parameters, row)
        total = explained.base_logit + sum(c for _, c in explained.contributions.values())
        assert total == pytest.approx(explained.logit, abs=1e-9)
        assert explained.score == round(100 / (1 + math.exp(-explained.logit)))
        assert explained.grade == engine.grade_for(explained.score)


def test_the_learned_effect_has_the_planted_sign_and_is_a_top_factor(small_history):
    owner = UserFactory()
    make_closed_leads(owner, 300)
    services.model_train(kind="lead")
    referral = Lead.objects.create(topic="R", last_name="R", owner=owner,
                                   source="employee_referral")
    web = Lead.objects.create(topic="W", last_name="W", owner=owner, source="web")

    services.records_rescore(kind="lead", ids=[referral.pk, web.pk])

    good, bad = LeadScore.objects.get(lead=referral), LeadScore.objects.get(lead=web)
    assert good.score > bad.score
    top = good.factors[0]
    assert top["feature"] == "source" and top["effect"] > 0
    assert "Employee referral" in top["label"]
    assert bad.factors[0]["feature"] == "source" and bad.factors[0]["effect"] < 0
    assert len(good.factors) <= 3


def test_the_time_split_trains_on_older_and_tests_on_newer_records(small_history):
    owner = UserFactory()
    make_closed_leads(owner, 200)
    rows = engine.compact_rows(spec_for("lead"), spec_for("lead").closed_rows())

    older, newer = engine.time_split(rows)

    assert len(newer) == pytest.approx(0.2 * len(rows), abs=2)
    assert max(r.asof for r in older) < min(r.asof for r in newer)
    assert {r.id for r in older}.isdisjoint({r.id for r in newer})


def test_a_later_close_leaks_into_no_feature_of_an_earlier_record(small_history):
    """Activity and owner history after a record's close never change its features."""
    owner = UserFactory()
    leads = make_closed_leads(owner, 60)
    first = leads[30]
    before = next(r for r in spec_for("lead").closed_rows() if r["id"] == first.pk)
    later = first.status_changed_at + timedelta(days=400)
    Lead.objects.bulk_create([Lead(topic="n", last_name=f"n{i}", owner=owner, status="qualified",
                                   status_changed_at=later) for i in range(30)])
    from crm.activities.models import Activity

    Activity.objects.create(kind="email", direction="incoming", state="completed", subject="s",
                            owner=owner, lead=first, created_at=later)

    after = next(r for r in spec_for("lead").closed_rows() if r["id"] == first.pk)
    keys = [f.name for f in spec_for("lead").features]
    assert {k: before[k] for k in keys} == {k: after[k] for k in keys}


def test_figures_are_stored_with_the_version(small_history):
    owner = UserFactory()
    make_closed_leads(owner, 300)

    model = services.model_train(kind="lead")

    assert model.version == 1 and model.active
    assert model.train_size + model.test_size == 300
    assert 0.5 < model.auc <= 1
    assert model.brier < model.base_rate_brier
    assert len(model.reliability) == 10
    assert sum(b["count"] for b in model.reliability) == model.test_size


def test_retraining_unchanged_history_keeps_the_version_and_new_history_adds_one(
        small_history):
    owner = UserFactory()
    make_closed_leads(owner, 300)
    first = services.model_train(kind="lead")

    again = services.model_train(kind="lead")
    assert again.pk == first.pk and ScoringModel.objects.filter(kind="lead").count() == 1

    make_closed_leads(owner, 40, seed=9, start_days_ago=10)
    newer = services.model_train(kind="lead")
    assert newer.version == 2 and newer.active
    assert list(ScoringModel.objects.filter(kind="lead", active=True)) == [newer]


def test_full_rescore_in_batches_scores_every_open_record_and_drops_closed_ones(small_history):
    owner = UserFactory()
    make_closed_leads(owner, 300)
    services.model_train(kind="lead")
    open_leads = Lead.objects.bulk_create(
        [Lead(topic="o", last_name=f"o{i}", owner=owner, source="web") for i in range(7)])
    stale = LeadScore.objects.create(lead=Lead.objects.filter(status="qualified").first(),
                                     score=50, grade="B", scored_at=timezone.now()
                                     - timedelta(days=1))

    result = services.rescore_all(kind="lead", batch_size=3)

    assert result["scored"] == 7
    assert set(LeadScore.objects.values_list("lead_id", flat=True)) == \
        {lead.pk for lead in open_leads}
    assert not LeadScore.objects.filter(pk=stale.pk).exists()


def test_a_full_rescore_and_a_single_record_rescore_agree(small_history):
    owner = UserFactory()
    make_closed_leads(owner, 300)
    services.model_train(kind="lead")
    lead = Lead.objects.create(topic="o", last_name="o", owner=owner, source="employee_referral")

    services.rescore_all(kind="lead")
    full = LeadScore.objects.get(lead=lead)
    services.records_rescore(kind="lead", ids=[lead.pk])
    single = LeadScore.objects.get(lead=lead)

    assert (full.score, full.factors) == (single.score, single.factors)
