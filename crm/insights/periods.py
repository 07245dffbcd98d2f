"""Reporting periods: months, fiscal quarters and fiscal years.

The fiscal year starts on the first day of `CRM_FISCAL_YEAR_START_MONTH` (setting or
environment variable, default 1 = January). A fiscal year is named after the calendar year in
which it starts: with April as the start month, "2026-Q1" is April to June 2026 and "FY2026"
is April 2026 to March 2027. Months are always calendar months ("2026-11").
"""

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

MONTH, QUARTER, YEAR, ROLLING, ALL = "month", "quarter", "year", "rolling", "all"


def fiscal_start_month() -> int:
    value = getattr(settings, "CRM_FISCAL_YEAR_START_MONTH", None)
    if value is None:
        value = os.environ.get("CRM_FISCAL_YEAR_START_MONTH", 1)
    month = int(value)
    if not 1 <= month <= 12:
        raise ValueError("CRM_FISCAL_YEAR_START_MONTH must be between 1 and 12")
    return month


def add_months(d: date, months: int) -> date:
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11", "2026-Q4", "FY2026", "last_12_months", "all"
    kind: str
    start: date | None  # inclusive
    end: date | None  # exclusive
    label: str

    @property
    def start_dt(self) -> datetime | None:
        if self.start is None:
            return None
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_dt(self) -> datetime | None:
        if self.end is None:
            return None
        return timezone.make_aware(datetime.combine(self.end, time.min))

    @property
    def last_day(self) -> date | None:
        return self.end - timedelta(days=1) if self.end else None

    def contains(self, d: date) -> bool:
        return (self.start is None or d >= self.start) and (self.end is None or d < self.end)

    def shift(self, steps: int) -> "Period":
        """The period `steps` periods later (negative: earlier); month/quarter/year only."""
        if self.kind == MONTH:
            return month_period(add_months(self.start, steps))
        if self.kind == QUARTER:
            return quarter_containing(add_months(self.start, 3 * steps))
        if self.kind == YEAR:
            return year_containing(add_months(self.start, 12 * steps))
        return self

    def q(self, field: str, *, is_datetime: bool = False):
        """A Q object restricting `field` (a date or datetime column) to this period."""
        from django.db.models import Q

        lookups = {}
        start = self.start_dt if is_datetime else self.start
        end = self.end_dt if is_datetime else self.end
        if start is not None:
            lookups[f"{field}__gte"] = start
        if end is not None:
            lookups[f"{field}__lt"] = end
        return Q(**lookups)


def fiscal_year_of(d: date) -> int:
    m = fiscal_start_month()
    return d.year if d.month >= m else d.year - 1


def month_period(d: date) -> Period:
    start = date(d.year, d.month, 1)
    return Period(key=f"{start:%Y-%m}", kind=MONTH, start=start, end=add_months(start, 1),
                  label=formats.date_format(start, "YEAR_MONTH_FORMAT"))


def quarter_containing(d: date) -> Period:
    m = fiscal_start_month()
    fy = fiscal_year_of(d)
    months_in = (d.month - m) % 12
    q = months_in // 3 + 1
    start = add_months(date(fy, m, 1), (q - 1) * 3)
    label = f"Q{q} {fy}" if m == 1 else f"Q{q} FY{fy}"
    return Period(key=f"{fy}-Q{q}", kind=QUARTER, start=start, end=add_months(start, 3),
                  label=label)


def year_containing(d: date) -> Period:
    fy = fiscal_year_of(d)
    start = date(fy, fiscal_start_month(), 1)
    label = str(fy) if start.month == 1 else f"FY{fy}"
    return Period(key=f"FY{fy}", kind=YEAR, start=start, end=add_months(start, 12), label=label)


_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^FY(\d{4})$", re.IGNORECASE)


def parse_period(key: str) -> Period:
    """"2026-11" (month), "2026-Q4" (fiscal quarter), "FY2026" (fiscal year); ValueError else."""
    key = (key or "").strip()
    if match := _MONTH_RE.match(key):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {key}")
        return month_period(date(year, month, 1))
    if match := _QUARTER_RE.match(key):
        fy, q = int(match[1]), int(match[2])
        return quarter_containing(add_months(date(fy, fiscal_start_month(), 1), (q - 1) * 3))
    if match := _YEAR_RE.match(key):
        return year_containing(date(int(match[1]), fiscal_start_month(), 1))
    raise ValueError(f"not a period: {key!r} (use 2026-11, 2026-Q4 or FY2026)")


RELATIVE_CHOICES = [
    ("this_month", _("This month")),
    ("last_month", _("Last month")),
    ("this_quarter", _("This quarter")),
    ("last_quarter", _("Last quarter")),
    ("this_year", _("This fiscal year")),
    ("last_year", _("Last fiscal year")),
    ("last_12_months", _("Last 12 months")),
    ("all", _("All time")),
]


def relative_period(name: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if name == "this_month":
        return month_period(today)
    if name == "last_month":
        return month_period(today).shift(-1)
    if name == "this_quarter":
        return quarter_containing(today)
    if name == "last_quarter":
        return quarter_containing(today).shift(-1)
    if name == "this_year":
        return year_containing(today)
    if name == "last_year":
        return year_containing(today).shift(-1)
    if name == "last_12_months":
        end = add_months(date(today.year, today.month, 1), 1)
        return Period(key=name, kind=ROLLING, start=add_months(end, -12), end=end,
                      label=str(_("Last 12 months")))
    if name == "all":
        return Period(key="all", kind=ALL, start=None, end=None, label=str(_("All time")))
    return parse_period(name)


def months_between(start: date, end: date) -> list[date]:
    """First days of every month from `start` up to (excluding) `end`."""
    months, current = [], date(start.year, start.month, 1)
    while current < end:
        months.append(current)
        current = add_months(current, 1)
    return months
