"""Dashboard pages, the API, CSV exports, visibility and query counts."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.insights.context import WidgetContext
from crm.insights.dashboards import MANAGER, SELLER
from crm.insights.periods import relative_period
from crm.insights.registry import dashboard_widgets, widgets
from crm.users.models import User

from .factories import TODAY, build_dataset

ALL_WIDGETS = sorted({w.name for d in (SELLER, MANAGER) for w in dashboard_widgets(d)})


def test_the_shipped_dashboards_find_every_widget_they_name():
    assert [w.name for w in dashboard_widgets(SELLER)] == list(SELLER.widgets)
    assert [w.name for w in dashboard_widgets(MANAGER)] == list(MANAGER.widgets)


@pytest.mark.django_db
class TestPages:
    def test_home_is_the_seller_dashboard_of_my_own_records(self, dataset, web):
        response = web(dataset.org.sam).get("/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Open leads by status" in html and "Won this period vs quota" in html
        pipeline = _chart(html, "opportunities-pipeline-data")
        # sam's own open deals: develop 1000 + 800, propose 2000
        assert pipeline["labels"] == ["1. Qualify", "2. Develop", "3. Propose", "4. Close"]
        assert pipeline["datasets"][0]["data"] == [0, 1800.0, 2000.0, 0]

    def test_manager_dashboard_draws_the_funnel_with_drill_down_links(self, dataset, web):
        response = web(dataset.org.maria).get("/dashboards/manager/?period=this_year")
        assert response.status_code == 200
        funnel = _chart(response.content.decode(), "opportunities-pipeline-data")
        assert funnel["type"] == "funnel"
        assert funnel["datasets"][0]["data"] == [4000.0, 2400.0, 2000.0, 5000.0]
        assert funnel["datasets"][1]["label"] == "Weighted"
        assert funnel["urls"][1] == "/opportunities/?status=open&stage=develop"

    def test_the_owner_filter_narrows_the_figures_and_travels_with_the_links(self, dataset,
                                                                              web):
        tom = dataset.org.tom
        response = web(dataset.org.maria).get(f"/dashboards/manager/?owner={tom.pk}")
        funnel = _chart(response.content.decode(), "opportunities-pipeline-data")
        assert funnel["datasets"][0]["data"] == [0, 600.0, 0, 5000.0]
        assert funnel["urls"][3] == f"/opportunities/?status=open&stage=close&owner={tom.pk}"

    def test_the_team_filter_keeps_only_that_teams_owners(self, dataset, web):
        west = dataset.org.tom.team
        response = web(dataset.org.maria).get(f"/dashboards/manager/?team={west.pk}")
        funnel = _chart(response.content.decode(), "opportunities-pipeline-data")
        assert funnel["datasets"][0]["data"] == [0, 600.0, 0, 5000.0]

    def test_a_seller_sees_only_their_teams_figures_on_the_manager_dashboard(self, dataset,
                                                                             web):
        response = web(dataset.org.sam).get("/dashboards/manager/")
        funnel = _chart(response.content.decode(), "opportunities-pipeline-data")
        # East only: sofia's 4000 qualify; sam's develop 1800 and propose 2000; no tom, no olga
        assert funnel["datasets"][0]["data"] == [4000.0, 1800.0, 2000.0, 0]

    def test_a_seller_cannot_filter_on_an_owner_outside_their_scope(self, dataset, api):
        response = api(dataset.org.sam).get(
            f"/api/v1/dashboards/manager/?owner={dataset.org.olga.pk}")
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"

    def test_an_unknown_dashboard_is_404(self, org, web):
        assert web(org.maria).get("/dashboards/nope/").status_code == 404

    def test_dashboards_need_a_login(self, client):
        response = client.get("/dashboards/manager/")
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_an_empty_database_renders_empty_states(self, org, web):
        response = web(org.olga).get("/dashboards/manager/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Pipeline by stage" in html
        assert "Nothing matches these filters" in html  # e.g. no deals won or lost by owner


def _chart(html, element_id):
    marker = f'id="{element_id}" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start: html.index("</script>", start)])


@pytest.mark.django_db
class TestApi:
    def test_dashboard_data_for_an_explicit_period(self, dataset, api):
        response = api(dataset.org.maria).get("/api/v1/dashboards/manager/?period=2026-Q2")
        assert response.status_code == 200
        body = response.json()
        assert body["period"]["key"] == "2026-Q2"
        by_name = {w["name"]: w for w in body["widgets"]}
        assert by_name["opportunities.win_rate"]["rows"][0]["win_rate"] == "50.0"
        web_row = by_name["leads.by_source"]["rows"][0]
        assert (web_row["source"], web_row["leads"], web_row["qualified"],
                web_row["conversion_rate"]) == ("web", 4, 1, 25.0)
        pipeline = by_name["opportunities.pipeline"]["rows"]
        assert pipeline[3]["weighted"] == "4000.00"

    def test_one_widget_only(self, dataset, api):
        response = api(dataset.org.maria).get(
            "/api/v1/dashboards/manager/?period=2026-Q2&widget=invoices.aging")
        assert [w["name"] for w in response.json()["widgets"]] == ["invoices.aging"]

    def test_an_unknown_widget_is_a_json_404(self, org, api):
        response = api(org.maria).get("/api/v1/dashboards/manager/?widget=nope")
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_a_bad_period_is_a_validation_error(self, org, api):
        response = api(org.maria).get("/api/v1/dashboards/manager/?period=2026-Q9")
        assert response.status_code == 400
        assert "period" in response.json()["fields"]

    def test_anonymous_is_401(self, api):
        response = api().get("/api/v1/dashboards/manager/")
        assert response.status_code == 401


@pytest.mark.django_db
class TestCsv:
    def test_a_widget_exports_its_rows_as_csv(self, dataset, web):
        response = web(dataset.org.maria).get(
            "/dashboards/manager/leads.by_source.csv?period=2026-Q2")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert 'filename="leads-by_source-2026-Q2.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == [
            ["Source", "Leads", "Qualified", "Conversion rate"],
            ["Web", "4", "1", "25.0"],
            ["Trade show", "1", "1", "100.0"],
        ]

    def test_money_is_exported_with_two_decimals(self, org, web):
        from datetime import timedelta

        from django.utils import timezone

        from .factories import InvoiceFactory

        today = timezone.localdate()
        InvoiceFactory(owner=org.sam, total="200.00", amount_paid="49.50",
                       due_date=today - timedelta(days=10))
        response = web(org.maria).get("/dashboards/manager/invoices.aging.csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["Age", "Invoices", "Balance"]
        assert rows[1] == ["Not yet due", "0", "0.00"]
        assert rows[2] == ["1–30 days overdue", "1", "150.50"]

    def test_the_pipeline_export_names_stages_as_people_read_them(self, dataset, web):
        response = web(dataset.org.maria).get("/dashboards/manager/opportunities.pipeline.csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["Stage", "Opportunities", "Estimated revenue", "Weighted"]
        assert [row[0] for row in rows[1:]] == ["1. Qualify", "2. Develop", "3. Propose",
                                                "4. Close"]
        assert "develop" not in response.content.decode().lower().replace("2. develop", "")

    def test_the_export_is_scoped_like_the_page(self, dataset, web):
        response = web(dataset.org.olga).get(
            "/dashboards/manager/leads.by_source.csv?period=2026-Q2")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[1:] == [["Web", "2", "1", "50.0"]]

    def test_a_widget_not_on_the_dashboard_is_404(self, org, web):
        assert web(org.maria).get("/dashboards/seller/invoices.aging.csv").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ALL_WIDGETS)
def test_each_widget_runs_a_fixed_number_of_queries_whatever_the_data_size(name, org):
    def count_queries():
        maria = User.objects.get(pk=org.maria.pk)  # no cached visibility lookups
        ctx = WidgetContext(user=maria, period=relative_period("2026-Q2"), today=TODAY)
        with CaptureQueriesContext(connection) as captured:
            widgets[name].compute(ctx)
        return len(captured)

    build_dataset(org)
    small = count_queries()
    build_dataset(org)
    build_dataset(org)
    assert count_queries() == small
    assert small <= 4  # the visibility lookups (hierarchy, team) and the aggregate itself


@pytest.mark.django_db
def test_the_manager_dashboard_page_query_count_does_not_grow_with_the_data(
    org, web, django_assert_max_num_queries
):
    build_dataset(org)
    client = web(org.maria)
    with CaptureQueriesContext(connection) as small:
        client.get("/dashboards/manager/?refresh=1")
    for _ in range(3):
        build_dataset(org)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/dashboards/manager/?refresh=1")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_reload_serves_cached_figures_and_refresh_recomputes(dataset, web, settings):
    client = web(dataset.org.maria)
    client.get("/dashboards/manager/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/dashboards/manager/")
    with CaptureQueriesContext(connection) as fresh:
        client.get("/dashboards/manager/?refresh=1")
    assert len(cached) < len(fresh)


@pytest.mark.django_db
def test_the_warming_task_fills_the_cache_so_pages_render_without_aggregates(
    dataset, web, settings
):
    from crm.insights import tasks

    assert settings.CELERY_BEAT_SCHEDULE["dashboards-warm"]["task"] == \
        tasks.warm_dashboards.name
    client = web(dataset.org.maria)
    with CaptureQueriesContext(connection) as cold:
        client.get("/dashboards/manager/")
    from django.core.cache import cache

    cache.clear()
    assert tasks.warm_dashboards() > 0
    with CaptureQueriesContext(connection) as warm:
        response = client.get("/dashboards/manager/")
    assert len(warm) < len(cold) - 5
    assert "figures as of" in response.content.decode()


@pytest.mark.django_db
def test_home_shows_the_assistant_panel(org, web):
    html = web(org.sam).get("/").content.decode()
    assert 'id="assistant-panel"' in html


@pytest.mark.django_db
def test_an_invalid_filter_is_reported_and_left_out(org, web):
    response = web(org.sam).get(f"/dashboards/manager/?owner={org.olga.pk}")
    assert response.status_code == 200
    assert "Some filters were not valid" in response.content.decode()
