"""The bench history with planted effects (bench.seed_scoring), at a tiny scale: the effects
are there, and the models find them with the right sign."""

import random

import pytest
from django.utils import timezone

from bench import seed_scoring
from bench.seed import Seeder
from crm.scoring import services
from crm.scoring.registry import spec_for

pytestmark = pytest.mark.django_db


def _effect(model, feature, token):
    fp = next(f for f in model.parameters["features"] if f["name"] == feature)
    return fp["weights"][token] - fp["mean"]


def test_planted_effects_are_recovered_with_the_right_sign(settings):
    settings.CRM_SCORING_MIN_PER_OUTCOME = 100
    seeder = Seeder(scale=0.004, seed=3)
    seeder.seed_users()
    seeder.seed_catalog()
    seeder.seed_customers()
    seeder.seed_pipeline()
    rng, now = random.Random(5), timezone.now()
    seed_scoring.plant_leads(rng, now, seeder.load)
    seed_scoring.plant_opportunities(rng, now, seeder.load)

    leads = services.model_train(kind="lead")
    deals = services.model_train(kind="opportunity")

    assert leads.auc > 0.8 and leads.brier < leads.base_rate_brier
    assert deals.auc > 0.7 and deals.brier < deals.base_rate_brier
    assert _effect(leads, "source", "employee_referral") > 0
    assert _effect(leads, "emails_answered", "b0") < 0
    assert _effect(deals, "meetings", "b1") > 0 > _effect(deals, "meetings", "b0")
    assert _effect(deals, "close_date_slips", "b0") > 0 > _effect(deals, "close_date_slips", "b2")
    # Every closed record has its close moment, none in the future.
    rows = list(spec_for("lead").closed_rows())
    assert all(r["asof"] <= now for r in rows)
