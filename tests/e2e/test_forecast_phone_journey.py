"""Issue 16 item 9: the forecast grid on a phone (390×844) shows every column of every row as a
card of label/value pairs, with nothing hidden behind a horizontal scroll."""

from django.utils import timezone
from playwright.sync_api import expect

from tests.insights.factories import OpportunityFactory

COLUMNS = ["User", "Quota", "Won", "Committed", "Best case", "Pipeline", "Omitted", "Lost",
           "Forecast"]

# Every cell of the grid: its label (the ::before of the card layout), whether the cell and its
# label lie inside the viewport, and whether anything scrolls sideways.
CELLS = """() => {
  const width = document.documentElement.clientWidth;
  const rows = Array.from(document.querySelectorAll('#forecast-grid tbody tr'));
  return {
    pageScrolls: document.documentElement.scrollWidth > width,
    wrapScrolls: (() => { const w = document.querySelector('#forecast-grid').parentElement;
                          return w.scrollWidth > w.clientWidth; })(),
    headerShown: getComputedStyle(document.querySelector('#forecast-grid thead')).display
                 !== 'none',
    rows: rows.map((tr) => Array.from(tr.cells).map((td) => {
      const box = td.getBoundingClientRect();
      const label = getComputedStyle(td, '::before').content.replace(/^"|"$/g, '');
      return {label, text: td.innerText.trim(), inside: box.width > 0 && box.left >= 0
              && box.right <= width + 0.5};
    })),
  };
}"""


def test_the_forecast_grid_on_a_phone_shows_every_column_as_a_card(org, page, login):
    # Given a deal won and a deal committed in Maria's team this quarter
    today = timezone.localdate()
    OpportunityFactory(owner=org.tom, topic="Fabrikam roll-out", stage="develop",
                       estimated_revenue="8000.00", probability=30,
                       forecast_category="committed", estimated_close_date=today)
    OpportunityFactory(owner=org.sam, topic="Scanners for Contoso", stage="propose",
                       estimated_revenue="2500.00", probability=60,
                       estimated_close_date=today)

    # When Maria opens the forecast on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, org.maria)
    page.goto("/forecasts/")
    walt_row = page.locator(f'#forecast-grid tr[data-user="{org.walt.pk}"]')
    expect(walt_row.locator("[data-forecast]")).to_have_text("8,000.00")

    # Then nothing scrolls sideways, the header row gives way to labels in every card, and
    # every one of the nine columns of every row is inside the screen under its label
    grid = page.evaluate(CELLS)
    assert grid["pageScrolls"] is False
    assert grid["wrapScrolls"] is False
    assert grid["headerShown"] is False
    assert len(grid["rows"]) >= 3
    for cells in grid["rows"]:
        assert [c["label"] for c in cells] == COLUMNS
        assert all(c["inside"] for c in cells), cells
        assert all(c["text"] for c in cells), cells
    for column in ("Committed", "Best case", "Pipeline", "Forecast"):
        cell = walt_row.locator(f'td[data-label="{column}"]')
        expect(cell).to_contain_text("8,000.00")
    expect(walt_row.locator('td[data-label="Lost"]')).to_contain_text("0.00")

    # And on a desktop the same page is still a table with its header row
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.evaluate(CELLS)["headerShown"] is True
