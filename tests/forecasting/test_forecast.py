"""The forecast grid of PROCESS.md on the fixed data set (Q2 2026), rolled up through
maria -> walt -> tom, with adjustments, drill-down, categories, quotas and snapshots."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.insights.periods import parse_period
from crm.users.models import User
from forecasting import selectors, services, tasks
from forecasting.models import ForecastAdjustment, ForecastSnapshot, Quota
from tests.insights.factories import build_dataset

D = Decimal
Q2 = "2026-Q2"


def quotas(org):
    for user, amount in ((org.sam, "5000.00"), (org.sofia, "4000.00"), (org.tom, "6000.00")):
        Quota.objects.create(user=user, period_type="quarter", period_start=date(2026, 4, 1),
                             amount=D(amount))


def rows_by_user(viewer, root, period=Q2):
    fresh_viewer = User.objects.get(pk=viewer.pk)
    tree = selectors.forecast_tree(viewer=fresh_viewer, root=User.objects.get(pk=root.pk),
                                   period=parse_period(period))
    return {row.user.username: row for row in tree.walk()}


@pytest.mark.django_db
class TestRollup:
    def test_each_row_sums_its_own_deals_and_everyone_below(self, dataset):
        org = dataset.org
        quotas(org)
        rows = rows_by_user(org.maria, org.maria)
        assert set(rows) == {"maria", "sam", "sofia", "walt", "tom"}
        expect = {
            "sam": ("5000.00", "2800.00", "2000.00", "2000.00", "3000.00", "0.00", "500.00"),
            "sofia": ("4000.00", "1000.00", "0.00", "4000.00", "4000.00", "0.00", "0.00"),
            "tom": ("6000.00", "0.00", "5000.00", "5000.00", "5000.00", "600.00", "700.00"),
            "walt": ("6000.00", "0.00", "5000.00", "5000.00", "5000.00", "600.00", "700.00"),
            "maria": ("15000.00", "3800.00", "7000.00", "11000.00", "12000.00", "600.00",
                      "1200.00"),
        }
        for name, values in expect.items():
            assert tuple(str(rows[name].total[c]) for c in selectors.COLUMNS) == values, name
        assert {n: r.level for n, r in rows.items()} == {
            "maria": 0, "sam": 1, "sofia": 1, "walt": 1, "tom": 2}
        assert rows["maria"].attainment == D("25.3")  # 3800 / 15000

    def test_system_forecast_is_won_plus_committed_rolled_up(self, dataset):
        rows = rows_by_user(dataset.org.maria, dataset.org.maria)
        assert {n: r.forecast for n, r in rows.items()} == {
            "sam": D("4800.00"), "sofia": D("1000.00"), "tom": D("5000.00"),
            "walt": D("5000.00"), "maria": D("10800.00")}

    def test_an_adjustment_replaces_the_row_and_carries_up_but_not_down(self, dataset):
        org = dataset.org
        services.forecast_adjust(actor=org.maria, user=org.walt, period=parse_period(Q2),
                                 amount="4000.00", note="Tom's big deal is slipping")
        rows = rows_by_user(org.maria, org.maria)
        assert rows["walt"].forecast == D("4000.00") and rows["walt"].is_adjusted
        assert rows["walt"].system_forecast == D("5000.00")
        assert rows["tom"].forecast == D("5000.00")
        assert rows["maria"].forecast == D("9800.00")  # 4800 + 1000 + 4000

    def test_a_lower_adjustment_shows_above_once_the_upper_one_is_reset(self, dataset):
        org = dataset.org
        q2 = parse_period(Q2)
        services.forecast_adjust(actor=org.maria, user=org.walt, period=q2, amount="4000",
                                 note="cautious")
        services.forecast_adjust(actor=org.walt, user=org.tom, period=q2, amount="5500",
                                 note="upsell agreed")
        assert rows_by_user(org.maria, org.maria)["maria"].forecast == D("9800.00")
        services.forecast_adjust(actor=org.maria, user=org.walt, period=q2, note="back to walt",
                                 reset=True)
        rows = rows_by_user(org.maria, org.maria)
        assert rows["walt"].forecast == D("5500.00") and not rows["walt"].is_adjusted
        assert rows["maria"].forecast == D("11300.00")
        history = list(selectors.adjustment_history(user=org.walt, period=q2))
        assert [(h.is_reset, h.previous_amount, h.amount) for h in history] == [
            (True, D("4000.00"), None), (False, D("5000.00"), D("4000.00"))]

    def test_a_manager_sees_their_subtree_only(self, dataset):
        org = dataset.org
        assert set(rows_by_user(org.walt, org.walt)) == {"walt", "tom"}
        assert set(rows_by_user(org.sam, org.sam)) == {"sam"}

    def test_nobody_sees_the_forecast_of_someone_above_or_beside_them(self, dataset):
        from django.http import Http404

        org = dataset.org
        for viewer, root in ((org.walt, org.maria), (org.sam, org.sofia), (org.maria, org.olga)):
            with pytest.raises(Http404):
                rows_by_user(viewer, root)


@pytest.mark.django_db
class TestAdjustPermissions:
    def test_a_seller_cannot_adjust(self, dataset, web):
        response = web(dataset.org.sam).post(
            f"/forecasts/adjust/?period={Q2}&user={dataset.org.sam.pk}",
            {"amount": "1", "note": "x"})
        assert response.status_code == 403
        assert not ForecastAdjustment.objects.exists()

    def test_a_manager_cannot_adjust_the_row_above(self, dataset, web):
        response = web(dataset.org.walt).get(
            f"/forecasts/adjust/?period={Q2}&user={dataset.org.maria.pk}")
        assert response.status_code == 404

    def test_a_note_is_required_and_the_form_keeps_the_amount(self, dataset, web):
        response = web(dataset.org.maria).post(
            f"/forecasts/adjust/?period={Q2}&user={dataset.org.walt.pk}",
            {"amount": "4321.00", "note": ""})
        assert response.status_code == 400
        html = response.content.decode()
        assert "This field is required." in html and 'value="4321.00"' in html

    def test_the_page_saves_and_returns_to_the_grid(self, dataset, web):
        org = dataset.org
        client = web(org.maria)
        response = client.post(f"/forecasts/adjust/?period={Q2}&user={org.walt.pk}",
                               {"amount": "4000.00", "note": "cautious"})
        assert response.status_code == 302
        grid = client.get(response["Location"]).content.decode()
        assert "4,000.00 ✎" in grid and "Forecast of" in grid


@pytest.mark.django_db
class TestGridPage:
    def test_grid_shows_the_three_levels_with_drill_down_links(self, dataset, web):
        org = dataset.org
        quotas(org)
        response = web(org.maria).get(f"/forecasts/?period={Q2}")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="level-2' in html  # tom under walt under maria
        assert "15,000.00" in html and "10,800.00" in html
        assert f"/forecasts/opportunities/?period={Q2}&amp;user={org.walt.pk}&amp;column=committed" in html

    def test_the_grid_query_count_does_not_grow_with_the_data(self, org, web,
                                                              django_assert_max_num_queries):
        build_dataset(org)
        client = web(org.maria)
        with CaptureQueriesContext(connection) as small:
            client.get(f"/forecasts/?period={Q2}")
        for _ in range(3):
            build_dataset(org)
        with django_assert_max_num_queries(len(small)):
            client.get(f"/forecasts/?period={Q2}")

    def test_drill_down_lists_the_deals_behind_a_cell(self, dataset, web):
        org = dataset.org
        response = web(org.maria).get(
            f"/forecasts/opportunities/?period={Q2}&user={org.walt.pk}&column=committed")
        assert [o.pk for o in response.context["object_list"]] == [
            dataset.opportunities["o7"].pk]

    def test_drill_down_of_a_whole_row(self, dataset, web):
        org = dataset.org
        response = web(org.maria).get(
            f"/forecasts/opportunities/?period={Q2}&user={org.sam.pk}&column=all")
        o = dataset.opportunities
        assert {x.pk for x in response.context["object_list"]} == {
            o["o1"].pk, o["o2"].pk, o["o3"].pk, o["o4"].pk}

    def test_drill_down_list_query_count_does_not_grow_with_the_rows(
        self, org, web, django_assert_max_num_queries
    ):
        build_dataset(org)
        client = web(org.maria)
        url = f"/forecasts/opportunities/?period={Q2}&column=all"
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        for _ in range(7):
            build_dataset(org)
        with django_assert_max_num_queries(len(small)):
            response = client.get(url)
        assert len(response.context["object_list"]) >= 30


@pytest.mark.django_db
class TestCategoryFromTheGrid:
    def test_a_seller_moves_a_deal_to_committed_and_the_forecast_follows(self, dataset, web):
        org = dataset.org
        o1 = dataset.opportunities["o1"]
        response = web(org.sam).post(f"/forecasts/opportunities/{o1.pk}/category/",
                                     {"forecast_category": "committed", "next": "/forecasts/"})
        assert response.status_code == 302 and response["Location"] == "/forecasts/"
        o1.refresh_from_db()
        assert o1.forecast_category == "committed"
        assert rows_by_user(org.sam, org.sam)["sam"].total["committed"] == D("3000.00")

    def test_won_and_lost_cannot_be_chosen_by_hand(self, dataset):
        from crm.common.errors import BusinessRuleViolation

        with pytest.raises(BusinessRuleViolation):
            services.forecast_set_category(actor=dataset.org.sam,
                                           opportunity=dataset.opportunities["o1"],
                                           category="won")

    def test_a_deal_of_another_team_is_not_found(self, dataset, web):
        o7 = dataset.opportunities["o7"]
        response = web(dataset.org.sam).post(f"/forecasts/opportunities/{o7.pk}/category/",
                                             {"forecast_category": "committed"})
        assert response.status_code == 404

    def test_a_teammates_deal_is_readable_but_not_changeable(self, dataset, web):
        o5 = dataset.opportunities["o5"]  # sofia's, same team as sam
        response = web(dataset.org.sam).post(f"/forecasts/opportunities/{o5.pk}/category/",
                                             {"forecast_category": "committed"})
        assert response.status_code == 403
        o5.refresh_from_db()
        assert o5.forecast_category == "best_case"


@pytest.mark.django_db
class TestQuotas:
    def test_a_manager_sets_the_quotas_of_their_people(self, org, web):
        response = web(org.maria).post("/forecasts/quotas/", {
            "period": Q2, f"quota-{org.sam.pk}": "5000", f"quota-{org.tom.pk}": "6000.50"})
        assert response.status_code == 302
        assert dict(Quota.objects.values_list("user__username", "amount")) == {
            "sam": D("5000.00"), "tom": D("6000.50")}

    def test_a_negative_quota_is_refused_and_the_form_keeps_the_input(self, org, web):
        response = web(org.maria).post("/forecasts/quotas/", {
            "period": Q2, f"quota-{org.sam.pk}": "-5", f"quota-{org.tom.pk}": "100"})
        assert response.status_code == 400
        assert 'value="-5"' in response.content.decode()

    def test_a_seller_cannot_set_quotas(self, org):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            services.quota_set(actor=org.sam, user=org.sofia, period=parse_period(Q2),
                               amount="1")

    def test_csv_upload_saves_valid_rows_and_reports_the_others(self, org, web):
        from django.core.files.uploadedfile import SimpleUploadedFile

        content = (b"username,period,amount\n"
                   b"sam,2026-Q2,5000\n"
                   b"tom,2026-05,2000.00\n"
                   b"olga,2026-Q2,100\n"
                   b"nobody,2026-Q2,100\n"
                   b"sofia,2026-Q9,100\n"
                   b"sofia,2026-Q3,abc\n")
        response = web(org.maria).post("/forecasts/quotas/upload/", {
            "period": Q2, "file": SimpleUploadedFile("q.csv", content, "text/csv")}, follow=True)
        assert {(q.user.username, q.period.key, q.amount) for q in Quota.objects.all()} == {
            ("sam", "2026-Q2", D("5000.00")), ("tom", "2026-05", D("2000.00"))}
        texts = [str(m) for m in response.context["messages"]]
        assert "2 quotas saved from the file." in texts
        assert any(t.startswith("Line 4:") for t in texts)  # olga is not below maria
        assert any(t.startswith("Line 5:") for t in texts)
        assert any(t.startswith("Line 6:") for t in texts)
        assert any(t.startswith("Line 7:") for t in texts)


@pytest.mark.django_db
class TestSnapshots:
    def test_the_daily_task_stores_every_row_for_the_month_and_quarter_once_a_day(self, dataset):
        services.forecast_snapshot_take(today=date(2026, 5, 15))
        services.forecast_snapshot_take(today=date(2026, 5, 15))
        users = User.objects.count()
        assert ForecastSnapshot.objects.count() == 2 * users
        maria = ForecastSnapshot.objects.get(user=dataset.org.maria, period_type="quarter")
        assert (maria.won, maria.committed, maria.adjusted) == (
            D("3800.00"), D("7000.00"), D("10800.00"))

    def test_the_beat_task_is_scheduled_and_takes_the_snapshots(self, org, settings):
        schedule = settings.CELERY_BEAT_SCHEDULE["forecast-snapshots"]
        assert schedule["task"] == tasks.take_snapshots.name
        tasks.take_snapshots()
        assert ForecastSnapshot.objects.count() == 2 * User.objects.count()

    def test_the_grid_draws_how_the_forecast_moved(self, dataset, web):
        services.forecast_snapshot_take(today=date(2026, 4, 10))
        services.forecast_snapshot_take(today=date(2026, 5, 15))
        html = web(dataset.org.maria).get(f"/forecasts/?period={Q2}").content.decode()
        marker = 'id="forecast-movement" type="application/json">'
        start = html.index(marker) + len(marker)
        chart = json.loads(html[start:html.index("</script>", start)])
        assert chart["labels"] == ["2026-04-10", "2026-05-15"]
        assert chart["datasets"][0]["label"] == "Won"


@pytest.mark.django_db
class TestApi:
    def test_forecast_rows(self, dataset, api):
        org = dataset.org
        quotas(org)
        response = api(org.maria).get(f"/api/v1/forecasts/?period={Q2}&user={org.walt.pk}")
        assert response.status_code == 200
        body = response.json()
        assert body["period"]["key"] == Q2
        assert [(r["name"], r["level"]) for r in body["results"]] == [
            (str(org.walt), 0), (str(org.tom), 1)]
        walt = body["results"][0]
        assert {k: walt[k] for k in ("quota", "won", "committed", "best_case", "pipeline",
                                     "omitted", "lost", "adjusted")} == {
            "quota": "6000.00", "won": "0.00", "committed": "5000.00", "best_case": "5000.00",
            "pipeline": "5000.00", "omitted": "600.00", "lost": "700.00", "adjusted": "5000.00"}

    def test_someone_elses_forecast_is_404(self, dataset, api):
        response = api(dataset.org.sam).get(f"/api/v1/forecasts/?user={dataset.org.maria.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    def test_a_bad_period_is_a_validation_error(self, org, api):
        response = api(org.maria).get("/api/v1/forecasts/?period=FY2026")
        assert response.status_code == 400 and "period" in response.json()["fields"]

    def test_adjust_through_the_api(self, dataset, api):
        org = dataset.org
        response = api(org.maria).post("/api/v1/forecasts/adjustments/", {
            "user": org.walt.pk, "period": Q2, "amount": "4000.00", "note": "cautious"},
            format="json")
        assert response.status_code == 201
        assert response.json()["row"]["adjusted"] == "4000.00"
        denied = api(org.sam).post("/api/v1/forecasts/adjustments/", {
            "user": org.sam.pk, "period": Q2, "amount": "1.00", "note": "me"}, format="json")
        assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_a_seller_sees_their_own_row_without_adjust_or_quota_links(dataset, web):
    html = web(dataset.org.sam).get(f"/forecasts/?period={Q2}").content.decode()
    assert "4,800.00" in html  # won 2800 + committed 2000
    assert "/forecasts/adjust/" not in html and "/forecasts/quotas/" not in html


@pytest.mark.django_db
def test_the_grid_switches_to_months_and_moves_between_periods(dataset, web):
    response = web(dataset.org.maria).get("/forecasts/?period=2026-05")
    assert response.status_code == 200
    ctx = response.context
    assert ctx["period"].label == "May 2026"
    assert ctx["previous_url"].endswith(f"period=2026-04&user={dataset.org.maria.pk}")
    assert ctx["switch_url"].startswith("/forecasts/?period=2026-Q2")
    # May: sam's o1 (pipeline) and o2 (committed), tom's o9 (omitted); lost o4
    assert ctx["tree"].total["committed"] == D("2000.00")
    assert ctx["tree"].total["lost"] == D("500.00")


@pytest.mark.django_db
def test_a_bad_period_falls_back_to_the_current_quarter_with_a_message(org, web):
    response = web(org.maria).get("/forecasts/?period=FY2026", follow=True)
    assert response.status_code == 200
    assert any("month" in str(m) for m in response.context["messages"])
