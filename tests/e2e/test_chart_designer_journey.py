from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from crm.insights.periods import quarter_containing
from tests.insights.factories import OpportunityFactory


def _won(owner, topic, amount, closed_on):
    return OpportunityFactory(owner=owner, topic=topic, status="won", status_reason="won",
                              stage="close", forecast_category="won", probability=100,
                              estimated_revenue=Decimal(amount), actual_revenue=Decimal(amount),
                              actual_close_date=closed_on)


def test_manager_builds_won_revenue_by_owner_this_quarter_and_drills_into_a_bar(org, page,
                                                                                login):
    # Given deals won this quarter in Maria's tree, one won last quarter and one outside her tree
    today = timezone.localdate()
    _won(org.sam, "Contoso scanners", "1000.00", today)
    _won(org.sam, "Contoso service", "2500.00", today)
    _won(org.tom, "Fabrikam roll-out", "4000.00", today)
    _won(org.sofia, "Old Litware win", "300.00",
         quarter_containing(today).start - timedelta(days=1))
    _won(org.olga, "Not Maria's deal", "9000.00", today)
    OpportunityFactory(owner=org.tom, topic="Fabrikam open deal", estimated_revenue="700.00")

    # When Maria goes from her dashboard to "My charts" and creates a dashboard
    login(page, org.maria)
    page.get_by_role("link", name="My charts").click()
    expect(page.locator("h1")).to_have_text("My charts")
    page.get_by_label("Title").fill("My quarter")
    page.get_by_role("button", name="Create dashboard").click()
    expect(page.locator("h1")).to_have_text("My quarter")

    # And designs "Won revenue by owner this quarter" as a bar chart of opportunities
    page.get_by_role("link", name="Add chart").first.click()
    page.get_by_role("link", name="Opportunities", exact=True).last.click()
    expect(page.locator("legend").first).to_contain_text("Opportunities")
    page.get_by_label("Title").fill("Won revenue by owner this quarter")
    page.get_by_label("Measure").select_option("sum")
    page.get_by_label("Of (sum and average)").select_option("actual_revenue")
    page.get_by_label("Chart type").select_option("bar")
    page.get_by_label("Group by").select_option("owner")
    page.get_by_label("Period", exact=True).select_option("this_quarter")
    page.get_by_label("Period applies to").select_option("actual_close_date")
    page.locator("#chart-form").get_by_label("Status").select_option("won")
    page.get_by_role("button", name="Save chart").click()

    # Then the chart is drawn with her tree's won revenue, largest first
    expect(page.locator(".message-success")).to_contain_text("Chart saved")
    canvas = page.locator("canvas[data-chart]")
    expect(canvas).to_have_attribute("data-points", "2")
    assert canvas.evaluate("c => Chart.getChart(c).data.datasets[0].data") == [4000, 3500]
    assert canvas.evaluate("c => Chart.getChart(c).data.labels") == [
        org.tom.get_full_name(), org.sam.get_full_name()]

    # When she clicks Tom's bar
    point = canvas.evaluate("""c => {
        const bar = Chart.getChart(c).getDatasetMeta(0).data[0];
        return {x: bar.x, y: (bar.y + bar.base) / 2};
    }""")
    canvas.click(position=point)

    # Then she lands on the opportunity list filtered to Tom's deals won this quarter
    page.wait_for_url(f"**/opportunities/?*owner={org.tom.pk}*")
    assert "status=won" in page.url and "closed_after=" in page.url
    table = page.locator("table.list")
    expect(table).to_contain_text("Fabrikam roll-out")
    expect(table).not_to_contain_text("Fabrikam open deal")
    expect(table).not_to_contain_text("Contoso")
    expect(page.locator("select#id_status")).to_have_value("won")
    expect(page.locator("select#id_owner")).to_have_value(str(org.tom.pk))
