from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.insights.factories import OpportunityFactory


def test_manager_drills_from_the_funnel_to_the_list_and_adjusts_a_forecast_row(org, page,
                                                                               login):
    # Given open deals in Maria's tree, closing this quarter
    today = timezone.localdate()
    OpportunityFactory(owner=org.sam, topic="Scanners for Contoso", stage="develop",
                       estimated_revenue="12000.00", probability=30,
                       forecast_category="committed", estimated_close_date=today)
    OpportunityFactory(owner=org.tom, topic="Fabrikam roll-out", stage="develop",
                       estimated_revenue="8000.00", probability=30,
                       forecast_category="committed", estimated_close_date=today)
    OpportunityFactory(owner=org.tom, topic="Litware pilot", stage="propose",
                       estimated_revenue="3000.00", probability=60,
                       estimated_close_date=today + timedelta(days=1))
    OpportunityFactory(owner=org.olga, topic="Not Maria's deal", stage="develop",
                       estimated_revenue="99999.00")

    # When Maria logs in, she lands on her dashboard and opens the manager dashboard
    login(page, org.maria)
    expect(page.locator("h1")).to_contain_text("Good day")
    page.get_by_role("link", name="Sales manager dashboard").click()
    expect(page.locator("h1")).to_have_text("Sales manager dashboard")

    # Then the funnel chart is drawn with her tree's figures
    canvas = page.locator('canvas[data-chart="opportunities-pipeline-data"]')
    expect(canvas).to_have_attribute("data-points", "4")
    data = canvas.evaluate("c => Chart.getChart(c).data.datasets[0].data")
    assert data == [0, 20000, 3000, 0]
    labels = canvas.evaluate("c => Chart.getChart(c).data.labels")
    assert labels == ["1. Qualify", "2. Develop", "3. Propose", "4. Close"]

    # When she clicks the "2. Develop" bar
    point = canvas.evaluate("""c => {
        const bar = Chart.getChart(c).getDatasetMeta(0).data[1];
        return {x: (bar.x + bar.base) / 2, y: bar.y};
    }""")
    canvas.click(position=point)

    # Then she lands on the opportunity list filtered to that stage
    page.wait_for_url("**/opportunities/?status=open&stage=develop")
    expect(page.locator("table.list")).to_contain_text("Scanners for Contoso")
    expect(page.locator("table.list")).to_contain_text("Fabrikam roll-out")
    expect(page.locator("table.list")).not_to_contain_text("Litware pilot")
    expect(page.locator("table.list")).not_to_contain_text("Not Maria's deal")

    # When she opens the forecast and adjusts Walt's row with a note
    page.goto("/forecasts/")
    walt_row = page.locator(f'#forecast-grid tr[data-user="{org.walt.pk}"]')
    expect(walt_row.locator("[data-forecast]")).to_have_text("8,000.00")
    walt_row.get_by_role("link", name="Adjust").click()
    page.get_by_label("Adjusted forecast").fill("6500")
    page.get_by_label("Note").fill("Fabrikam may slip to next quarter")
    page.get_by_role("button", name="Save adjustment").click()

    # Then the grid shows the adjusted row and her own row rolls it up
    expect(page.locator(".message-success")).to_contain_text("adjusted")
    expect(walt_row.locator("[data-forecast]")).to_contain_text("6,500.00")
    maria_row = page.locator(f'#forecast-grid tr[data-user="{org.maria.pk}"]')
    expect(maria_row.locator("[data-forecast]")).to_have_text("18,500.00")
