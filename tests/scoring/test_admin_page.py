"""The scoring settings page: figures per version, the switch, retrain now; admins only."""

import pytest

from crm.scoring import services
from crm.scoring.models import ScoringModel
from crm.scoring.selectors import scoring_enabled

from .conftest import make_closed_leads

pytestmark = pytest.mark.django_db


def test_the_admin_sees_each_version_with_its_figures_and_the_curve(web, org, small_history):
    make_closed_leads(org.sam, 300)
    model = services.model_train(kind="lead")

    page = web(org.admin).get("/settings/scoring/")

    assert page.status_code == 200
    html = page.content.decode()
    assert f"{model.auc:.3f}" in html and f"{model.brier:.3f}" in html
    assert f"{model.base_rate_brier:.3f}" in html
    assert 'data-reliability="reliability-lead"' in html
    assert 'id="reliability-lead"' in html          # the curve's data (json_script)
    assert "Not enough history to score yet." in html    # opportunities: no model


def test_a_seller_may_not_open_the_page(web, org):
    assert web(org.sam).get("/settings/scoring/").status_code == 403


def test_the_switch_turns_scoring_off_and_on(web, org):
    client = web(org.admin)

    client.post("/settings/scoring/", {"action": "switch"})
    assert scoring_enabled() is False
    client.post("/settings/scoring/", {"action": "switch", "enabled": "on"})
    assert scoring_enabled() is True


def test_retrain_now_trains_a_model(web, org, small_history):
    make_closed_leads(org.sam, 300)

    response = web(org.admin).post("/settings/scoring/", {"action": "retrain"})

    assert response.status_code == 302
    assert ScoringModel.objects.filter(kind="lead", active=True).exists()
