from datetime import date

import pytest

from crm.insights.periods import parse_period, quarter_containing, relative_period


def test_calendar_quarters_by_default():
    q = parse_period("2026-Q4")
    assert (q.start, q.end, q.label) == (date(2026, 10, 1), date(2027, 1, 1), "Q4 2026")


def test_a_fiscal_year_starting_in_april(settings):
    settings.CRM_FISCAL_YEAR_START_MONTH = 4
    q1 = parse_period("2026-Q1")
    assert (q1.start, q1.end, q1.label) == (date(2026, 4, 1), date(2026, 7, 1), "Q1 FY2026")
    assert quarter_containing(date(2027, 2, 14)).key == "2026-Q4"
    year = parse_period("FY2026")
    assert (year.start, year.end) == (date(2026, 4, 1), date(2027, 4, 1))


def test_months_and_relative_periods():
    assert parse_period("2026-02").end == date(2026, 3, 1)
    assert relative_period("last_quarter", today=date(2026, 1, 15)).key == "2025-Q4"
    assert relative_period("this_month", today=date(2026, 12, 31)).shift(1).key == "2027-01"
    assert relative_period("all").start is None


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "Q1", "", "FY"])
def test_bad_period_keys_are_refused(bad):
    with pytest.raises(ValueError):
        parse_period(bad)
