"""The chart designer (issue 19 item 4): personal dashboards of charts a user designs.

Figures are checked against hand-computed sums, per role (visibility), and against the list
page each bar drills down to (same rows, same totals)."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.insights import selectors as personal
from crm.insights import services
from crm.insights.models import DashboardChart, PersonalDashboard
from crm.insights.periods import quarter_containing
from crm.users.models import User
from tests.insights.factories import InvoiceFactory, LeadFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _won(owner, actual, closed_on, **kw):
    return OpportunityFactory(owner=owner, status="won", status_reason="won", stage="close",
                              forecast_category="won", estimated_revenue=actual,
                              actual_revenue=actual, actual_close_date=closed_on,
                              probability=100, **kw)


@pytest.fixture
def deals(org):
    """Won deals this quarter: sam 1000 + 2500, tom 4000, olga 7000 (outside Maria's tree);
    sofia 300 won before the quarter; open and lost deals that a won-revenue chart ignores."""
    today = timezone.localdate()
    before = quarter_containing(today).start - timedelta(days=1)
    _won(org.sam, Decimal("1000.00"), today)
    _won(org.sam, Decimal("2500.00"), today)
    _won(org.tom, Decimal("4000.00"), today)
    _won(org.olga, Decimal("7000.00"), today)
    _won(org.sofia, Decimal("300.00"), before)
    OpportunityFactory(owner=org.sam, stage="develop", estimated_revenue=Decimal("5000.00"),
                       estimated_close_date=today, forecast_category="committed")
    OpportunityFactory(owner=org.tom, stage="propose", estimated_revenue=Decimal("800.00"),
                       estimated_close_date=today, forecast_category="pipeline")
    OpportunityFactory(owner=org.tom, status="lost", status_reason="out_sold",
                       estimated_revenue=Decimal("600.00"), actual_close_date=today)
    return today


def _chart(owner, **fields):
    dashboard = PersonalDashboard.objects.filter(owner=owner).first() or \
        services.personal_dashboard_create(owner=owner, title="Mine")
    values = {"title": "Chart", "record_type": "opportunities", "measure": "count",
              "measure_field": "", "group_by": "owner", "stack_by": "", "chart_type": "bar",
              "filters": {}, "period": "", "period_field": ""}
    values.update(fields)
    return services.dashboard_chart_save(dashboard=dashboard, actor=owner, data=values)


WON_BY_OWNER = {"title": "Won revenue by owner this quarter", "measure": "sum",
                "measure_field": "actual_revenue", "group_by": "owner",
                "filters": {"status": "won"}, "period": "this_quarter",
                "period_field": "actual_close_date"}


def _figures(chart, user):
    result = personal.chart_result(chart, user=user, fresh=True)
    assert not result.error, result.error
    return {row["label"]: row["value"] for row in result.rows}, result


def test_won_revenue_by_owner_this_quarter_matches_hand_computed_sums_per_role(org, deals):
    chart = _chart(org.maria, **WON_BY_OWNER)
    sam, tom, olga = (str(u.get_full_name()) for u in (org.sam, org.tom, org.olga))

    # Maria (manager) reads her team East and her tree (Walt, Tom): sofia's win is last quarter
    figures, result = _figures(chart, org.maria)
    assert figures == {tom: Decimal("4000.00"), sam: Decimal("3500.00")}
    assert [row["label"] for row in result.rows] == [tom, sam]  # largest first

    # Sam (seller) reads his team East only
    assert _figures(chart, org.sam)[0] == {sam: Decimal("3500.00")}
    # The admin reads everyone
    assert _figures(chart, org.admin)[0] == {olga: Decimal("7000.00"), tom: Decimal("4000.00"),
                                             sam: Decimal("3500.00")}
    # Olga (North) only her own
    assert _figures(chart, org.olga)[0] == {olga: Decimal("7000.00")}


def test_count_average_number_and_stacked_charts(org, deals):
    by_stage = _chart(org.maria, measure="count", group_by="stage", filters={"status": "open"})
    figures, _result = _figures(by_stage, org.maria)
    assert figures == {"Develop": 1, "Propose": 1}

    average = _chart(org.maria, measure="avg", measure_field="actual_revenue",
                     group_by="owner", filters={"status": "won"})
    figures, _result = _figures(average, org.maria)
    assert figures[org.sam.get_full_name()] == Decimal("1750.00")
    assert figures[org.sofia.get_full_name()] == Decimal("300.00")

    number = _chart(org.maria, chart_type="number", group_by="", measure="sum",
                    measure_field="estimated_revenue", filters={"status": "open"})
    result = personal.chart_result(number, user=org.maria, fresh=True)
    assert result.number == Decimal("5800.00")

    stacked = _chart(org.maria, chart_type="stacked", group_by="owner", stack_by="status")
    figures = {(r["label"], r["label2"]): r["value"]
               for r in personal.chart_result(stacked, user=org.maria, fresh=True).rows}
    assert figures[(org.tom.get_full_name(), "Won")] == 1
    assert figures[(org.tom.get_full_name(), "Lost")] == 1
    assert figures[(org.tom.get_full_name(), "Open")] == 1
    assert figures[(org.sam.get_full_name(), "Won")] == 2
    data = personal.chart_result(stacked, user=org.maria).chart_data()
    assert data["stacked"] is True
    assert all(len(ds["urls"]) == len(data["labels"]) for ds in data["datasets"])


def test_month_and_quarter_groupings_and_team_grouping(org, deals):
    today = deals
    by_quarter = _chart(org.admin, group_by="quarter:actual_close_date", chart_type="line",
                        measure="sum", measure_field="actual_revenue", filters={"status": "won"})
    figures, result = _figures(by_quarter, org.admin)
    this_quarter = quarter_containing(today)
    assert figures[this_quarter.label] == Decimal("14500.00")
    assert figures[this_quarter.shift(-1).label] == Decimal("300.00")
    assert [r["label"] for r in result.rows] == [this_quarter.shift(-1).label,
                                                  this_quarter.label]  # in date order

    by_month = _chart(org.admin, group_by="month:actual_close_date", measure="count",
                      filters={"status": "won"}, period="this_quarter",
                      period_field="actual_close_date")
    figures, result = _figures(by_month, org.admin)
    assert list(figures.values()) == [4]
    query = parse_qs(urlsplit(result.rows[0]["url"]).query)
    assert query["closed_after"] == [today.replace(day=1).isoformat()]

    by_team = _chart(org.admin, group_by="team", filters={"status": "won"})
    figures, _result = _figures(by_team, org.admin)
    assert figures == {"East": 3, "West": 1, "North": 1}


def _list_page(web, user, url):
    response = web(user).get(url)
    assert response.status_code == 200
    return response.context


def test_drill_down_opens_the_list_with_the_same_rows_and_totals(org, deals, web):
    chart = _chart(org.maria, **WON_BY_OWNER)
    result = personal.chart_result(chart, user=org.maria, fresh=True)
    for row in result.rows:
        assert row["url"].startswith(reverse("opportunity-list") + "?")
        ctx = _list_page(web, org.maria, row["url"])
        assert ctx["totals"]["won"] == row["value"]
        assert len(ctx["object_list"]) == ctx["totals"]["count"]
        owner = User.objects.get(pk=row["key"])
        assert {r["owner__username"] for r in ctx["object_list"]} == {owner.username}

    counted = _chart(org.maria, group_by="stage", filters={"status": "open"})
    for row in personal.chart_result(counted, user=org.maria, fresh=True).rows:
        ctx = _list_page(web, org.maria, row["url"])
        assert len(ctx["object_list"]) == row["value"]


def test_leads_and_invoices_charts_drill_down_to_their_lists(org, web):
    LeadFactory(owner=org.sam, source="web", estimated_value=Decimal("100.00"))
    LeadFactory(owner=org.sam, source="web", estimated_value=Decimal("50.00"))
    LeadFactory(owner=org.sofia, source="seminar", status="disqualified")
    LeadFactory(owner=org.olga, source="web")
    leads = _chart(org.sam, record_type="leads", group_by="source")
    figures, result = _figures(leads, org.sam)
    assert figures == {"Web": 2, "Seminar": 1}
    for row in result.rows:
        assert "view=all" in row["url"]
        assert len(_list_page(web, org.sam, row["url"])["object_list"]) == row["value"]

    InvoiceFactory(owner=org.sam, total=Decimal("120.00"))
    InvoiceFactory(owner=org.sam, total=Decimal("80.00"), status="paid",
                   amount_paid=Decimal("80.00"))
    InvoiceFactory(owner=org.tom, total=Decimal("500.00"))
    InvoiceFactory(owner=org.olga, total=Decimal("999.00"))
    invoices = _chart(org.maria, record_type="invoices", measure="sum", measure_field="total",
                      group_by="status")
    figures, result = _figures(invoices, org.maria)
    assert figures == {"Active": Decimal("620.00"), "Paid": Decimal("80.00")}
    for row in result.rows:
        rows = _list_page(web, org.maria, row["url"])["object_list"]
        assert sum(r["total"] for r in rows) == row["value"]


def test_the_designer_page_saves_a_chart_and_the_dashboard_draws_it(org, deals, web):
    client = web(org.maria)
    response = client.post(reverse("personal-dashboard-list"), {"title": "Quarter"})
    dashboard = PersonalDashboard.objects.get(owner=org.maria, title="Quarter")
    assert response.status_code == 302
    url = reverse("dashboard-chart-create", args=[dashboard.pk])
    assert client.get(url + "?records=opportunities").status_code == 200
    response = client.post(url, {
        "records": "opportunities", "title": "Won revenue by owner this quarter",
        "measure": "sum", "measure_field": "actual_revenue", "chart_type": "bar",
        "group_by": "owner", "period": "this_quarter", "period_field": "actual_close_date",
        "f-status": "won"})
    assert response.status_code == 302, response.context["form"].errors
    chart = dashboard.charts.get()
    assert chart.filters == {"status": "won"}
    page = client.get(reverse("personal-dashboard-detail", args=[dashboard.pk]))
    assert page.status_code == 200
    assert page.context["results"][0].rows[0]["value"] == Decimal("4000.00")
    assert f'id="chart-{chart.pk}-data"' in page.content.decode()
    # the edit form shows the stored filter
    edit = client.get(reverse("dashboard-chart-edit", args=[dashboard.pk, chart.pk]))
    assert edit.context["form"].filter_form["status"].value() == "won"


@pytest.mark.parametrize("data", [
    {"measure": "sum", "chart_type": "bar", "group_by": "owner"},  # sum of nothing
    {"measure": "count", "chart_type": "bar", "group_by": "nonsense"},
    {"measure": "count", "chart_type": "pie", "group_by": "owner"},
    {"measure": "count", "chart_type": "bar", "group_by": ""},
    {"measure": "count", "chart_type": "stacked", "group_by": "owner", "stack_by": "owner"},
    {"measure": "count", "chart_type": "bar", "group_by": "owner", "period": "this_quarter"},
    {"measure": "count", "chart_type": "bar", "group_by": "owner", "period": "FY99999"},
    {"measure": "count", "chart_type": "bar", "group_by": "owner", "f-owner": "abc"},
    {"measure": "count", "chart_type": "bar", "group_by": "owner", "f-close_after": "31.31.x"},
    {"measure": "count", "chart_type": "bar", "group_by": "owner", "f-stage": "nope"},
    {"measure": "x" * 500, "chart_type": "bar", "group_by": "owner", "title": ""},
])
def test_bad_chart_input_is_a_form_error_never_a_500(org, web, data):
    dashboard = services.personal_dashboard_create(owner=org.sam, title="Mine")
    response = web(org.sam).post(reverse("dashboard-chart-create", args=[dashboard.pk]),
                                 {"records": "opportunities", "title": "T", **data})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors or form.filter_form.errors
    assert not dashboard.charts.exists()


def test_unknown_record_type_falls_back_and_foreign_filter_owner_is_refused(org, web):
    dashboard = services.personal_dashboard_create(owner=org.sam, title="Mine")
    url = reverse("dashboard-chart-create", args=[dashboard.pk])
    assert web(org.sam).get(url + "?records=../../etc").status_code == 200
    # olga is not someone Sam may read: the owner filter refuses her
    response = web(org.sam).post(url, {"records": "opportunities", "title": "T",
                                       "measure": "count", "chart_type": "bar",
                                       "group_by": "owner", "f-owner": str(org.olga.pk)})
    assert response.status_code == 400


def test_a_manager_shares_a_dashboard_with_the_team_read_only(org, deals, web):
    chart = _chart(org.maria, **WON_BY_OWNER)
    dashboard = chart.dashboard
    detail = reverse("personal-dashboard-detail", args=[dashboard.pk])
    # not shared: Sam cannot see it at all
    assert web(org.sam).get(detail).status_code == 404
    response = web(org.maria).post(reverse("personal-dashboard-share", args=[dashboard.pk]),
                                   {"shared": "1"})
    assert response.status_code == 302
    dashboard.refresh_from_db()
    assert dashboard.shared_with_team

    # Sam (team East) sees it read-only, with his own scope's figures
    sam = web(org.sam)
    assert dashboard in sam.get(reverse("personal-dashboard-list")).context["shared"]
    page = sam.get(detail)
    assert page.status_code == 200 and not page.context["can_edit"]
    figures = {r["label"]: r["value"] for r in page.context["results"][0].rows}
    assert figures == {org.sam.get_full_name(): Decimal("3500.00")}
    assert "Add chart" not in page.content.decode()
    for name, args in (("dashboard-chart-create", [dashboard.pk]),
                       ("dashboard-chart-edit", [dashboard.pk, chart.pk]),
                       ("dashboard-chart-delete", [dashboard.pk, chart.pk]),
                       ("dashboard-chart-move", [dashboard.pk, chart.pk]),
                       ("personal-dashboard-share", [dashboard.pk]),
                       ("personal-dashboard-delete", [dashboard.pk])):
        assert sam.post(reverse(name, args=args), {"shared": "0"}).status_code == 403
    assert DashboardChart.objects.filter(pk=chart.pk).exists()

    # Tom (team West) and Olga (North) do not see it
    assert web(org.tom).get(detail).status_code == 404
    assert web(org.olga).get(detail).status_code == 404


def test_a_seller_cannot_share(org, web):
    dashboard = services.personal_dashboard_create(owner=org.sam, title="Mine")
    response = web(org.sam).post(reverse("personal-dashboard-share", args=[dashboard.pk]),
                                 {"shared": "1"})
    assert response.status_code == 403
    dashboard.refresh_from_db()
    assert not dashboard.shared_with_team


def test_charts_are_reordered_and_removed(org, web):
    first = _chart(org.sam, title="First")
    second = _chart(org.sam, title="Second")
    dashboard = first.dashboard
    client = web(org.sam)
    client.post(reverse("dashboard-chart-move", args=[dashboard.pk, second.pk]),
                {"direction": "up"})
    assert [c.title for c in dashboard.charts.all()] == ["Second", "First"]
    client.post(reverse("dashboard-chart-delete", args=[dashboard.pk, second.pk]))
    assert [c.title for c in dashboard.charts.all()] == ["First"]


def test_the_dashboard_page_query_count_is_bounded_and_cached(org, deals, web):
    for group_by in ("owner", "stage", "status", "team", "month:estimated_close_date"):
        _chart(org.maria, group_by=group_by)
    dashboard = PersonalDashboard.objects.get(owner=org.maria)
    client = web(org.maria)
    url = reverse("personal-dashboard-detail", args=[dashboard.pk])
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    # user, dashboard, charts, readable scope (2), scoring switch, owner choices, then one
    # GROUP BY per chart
    assert len(first.captured_queries) <= 8 + 5
    with CaptureQueriesContext(connection) as cached:
        page = client.get(url)
    assert all(r.from_cache for r in page.context["results"])
    assert len(cached.captured_queries) <= len(first.captured_queries) - 5


def test_a_changed_chart_is_computed_again(org, deals):
    chart = _chart(org.maria, **WON_BY_OWNER)
    personal.chart_result(chart, user=org.maria)
    assert personal.chart_result(chart, user=org.maria).from_cache
    chart = services.dashboard_chart_save(dashboard=chart.dashboard, actor=org.maria,
                                          chart=chart, data={"measure": "count"})
    result = personal.chart_result(chart, user=org.maria)
    assert not result.from_cache
    assert {r["value"] for r in result.rows} == {1, 2}


def test_a_shared_chart_filtered_on_someone_the_viewer_cannot_read_says_so(org, deals, web):
    chart = _chart(org.maria, **{**WON_BY_OWNER, "filters": {"status": "won",
                                                              "owner": str(org.tom.pk)}})
    services.personal_dashboard_share(dashboard=chart.dashboard, actor=org.maria, shared=True)
    assert _figures(chart, org.maria)[0] == {org.tom.get_full_name(): Decimal("4000.00")}
    page = web(org.sam).get(reverse("personal-dashboard-detail", args=[chart.dashboard.pk]))
    assert page.status_code == 200
    result = page.context["results"][0]
    assert result.error and not result.rows
    assert "filters are not valid for you" in page.content.decode()


def test_a_stored_period_no_longer_understood_is_an_error_on_the_chart(org, deals, web):
    chart = _chart(org.maria, **WON_BY_OWNER)
    DashboardChart.objects.filter(pk=chart.pk).update(period="yesteryear")
    page = web(org.maria).get(reverse("personal-dashboard-detail", args=[chart.dashboard.pk]))
    assert page.status_code == 200
    assert page.context["results"][0].error


def test_each_segment_of_a_stacked_bar_drills_down_to_its_rows(org, deals, web):
    chart = _chart(org.maria, chart_type="stacked", group_by="owner", stack_by="status",
                   measure="sum", measure_field="estimated_revenue")
    data = personal.chart_result(chart, user=org.maria, fresh=True).chart_data()
    checked = 0
    for dataset in data["datasets"]:
        for value, url in zip(dataset["data"], dataset["urls"], strict=True):
            if url is None:
                assert value == 0
                continue
            rows = _list_page(web, org.maria, url)["object_list"]
            assert float(sum(r["estimated_revenue"] for r in rows)) == value
            checked += 1
    assert checked == 6  # sam won/open, tom won/open/lost, sofia won


def test_a_chart_starts_from_a_saved_views_filters(org, deals, web):
    from crm.listviews.models import SavedView

    view = SavedView.objects.create(owner=org.maria, resource="opportunities", name="Big wins",
                                    filters={"status": "won", "q": "Contoso"})
    dashboard = services.personal_dashboard_create(owner=org.maria, title="Mine")
    url = reverse("dashboard-chart-create", args=[dashboard.pk])
    page = web(org.maria).get(f"{url}?records=opportunities&from_view={view.pk}")
    assert page.status_code == 200
    assert page.context["form"].filter_form["status"].value() == "won"
    assert page.context["unused_view_params"] == ["q"]  # a search term is not a chart filter
    assert "Big wins" in page.content.decode()
    # someone else's private view is not offered and not used
    other = SavedView.objects.create(owner=org.olga, resource="opportunities", name="Olga's",
                                     filters={"status": "lost"})
    page = web(org.maria).get(f"{url}?records=opportunities&from_view={other.pk}")
    assert page.status_code == 200
    assert not page.context["form"].filter_form["status"].value()
    assert "Olga's" not in page.content.decode()


def test_orders_chart_counts_what_the_list_shows(org, web):
    from tests.insights.factories import OrderFactory

    OrderFactory(owner=org.sam, total=Decimal("10.00"))
    OrderFactory(owner=org.sam, total=Decimal("15.00"), status="fulfilled")
    OrderFactory(owner=org.olga, total=Decimal("99.00"))
    chart = _chart(org.sam, record_type="orders", measure="sum", measure_field="total",
                   group_by="month:created_at", chart_type="line")
    figures, result = _figures(chart, org.sam)
    assert list(figures.values()) == [Decimal("25.00")]
    rows = _list_page(web, org.sam, result.rows[0]["url"])["object_list"]
    assert len(rows) == 2
