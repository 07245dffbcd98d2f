"""Issue 16 item 8: one date policy (crm.common.formatting, `{% when %}` / `|day` in crm_tags).

Near date-times read relative ("3 hours ago", "yesterday at 14:05") with the exact one on hover
(`<time datetime=ISO title=exact>`), older ones absolute and locale-aware ("Dec 7, 2026 14:05"),
dates without a time always as dates; no template prints a raw `|date:"..."` format."""

import re
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation

from crm.activities import aggregation
from crm.activities.event_types import EventType
from crm.activities.events import record_event
from crm.activities.services import activity_create
from crm.common.formatting import (
    format_datetime,
    format_day,
    format_time,
    format_when,
    iso_datetime,
)
from tests.leads.factories import LeadFactory
from tests.panels import get_with_panels

UTC = zoneinfo.ZoneInfo("UTC")
NOW = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # a Monday


def at(**delta) -> datetime:
    return NOW - timedelta(**delta)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("moment, expected", [
    (at(seconds=20), "just now"),
    (at(minutes=1), "1 minute ago"),
    (at(minutes=42), "42 minutes ago"),
    (at(hours=3), "3 hours ago"),
    (at(hours=8), "today at 07:30"),
    (datetime(2026, 12, 6, 14, 5, tzinfo=UTC), "yesterday at 14:05"),
    (datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "Thursday at 09:00"),
    (datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "Nov 30, 2026 09:00"),  # a week ago: absolute
    (datetime(2025, 3, 1, 9, 0, tzinfo=UTC), "Mar 1, 2025 09:00"),
    (NOW + timedelta(minutes=10), "in 10 minutes"),
    (NOW + timedelta(hours=2), "in 2 hours"),
    (datetime(2026, 12, 8, 9, 0, tzinfo=UTC), "tomorrow at 09:00"),
    (datetime(2027, 1, 20, 9, 0, tzinfo=UTC), "Jan 20, 2027 09:00"),
    (date(2026, 12, 7), "Dec 7, 2026"),  # a date alone is never relative
    (date(2026, 12, 6), "Dec 6, 2026"),
    (None, "—"),
])
def test_format_when_is_relative_for_the_last_days_and_absolute_beyond(frozen, moment, expected):
    assert format_when(moment) == expected


def test_absolute_forms_and_the_machine_form():
    moment = datetime(2026, 12, 7, 14, 5, 9, tzinfo=UTC)
    assert format_datetime(moment) == "Dec 7, 2026 14:05"
    assert format_day(moment) == "Dec 7, 2026"
    assert format_day(date(2027, 1, 2)) == "Jan 2, 2027"
    assert format_time(moment) == "14:05"
    assert iso_datetime(moment) == "2026-12-07T14:05:09+00:00"
    assert iso_datetime(date(2026, 12, 7)) == "2026-12-07"
    assert format_day(None) == format_datetime(None) == format_day("") == "—"


def test_dates_follow_the_active_time_zone_and_language(frozen):
    late = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        assert format_datetime(late) == "Dec 7, 2026 00:30"  # already the 7th in Berlin
        assert format_day(late) == "Dec 7, 2026"
        assert format_when(late) == "today at 00:30"
        assert iso_datetime(late) == "2026-12-07T00:30:00+01:00"
    with translation.override("de"):
        assert format_day(date(2026, 12, 7)) == "7. Dezember 2026"


def render(source: str, **context) -> str:
    return Template("{% load crm_tags %}" + source).render(Context(context))


def test_the_when_tag_gives_the_exact_time_on_hover(frozen):
    html = render("{% when moment %}", moment=at(hours=3))
    assert html == ('<time datetime="2026-12-07T12:30:00+00:00" title="Dec 7, 2026 12:30">'
                    "3 hours ago</time>")
    html = render("{% when moment %}", moment=datetime(2026, 12, 6, 14, 5, tzinfo=UTC))
    assert ">yesterday at 14:05</time>" in html and 'title="Dec 6, 2026 14:05"' in html
    old = render("{% when moment %}", moment=datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    assert ">Oct 1, 2026 08:00</time>" in old
    assert render("{% when moment %}", moment=None) == "—"
    day = render("{% when moment %}", moment=date(2026, 12, 6))
    assert day == '<time datetime="2026-12-06" title="Dec 6, 2026">Dec 6, 2026</time>'


def test_the_day_clock_and_exact_filters(frozen):
    assert render("{{ d|day }}", d=date(2026, 12, 6)) == "Dec 6, 2026"
    assert render("{{ d|day }}", d=None) == "—"
    assert render("{{ d|day }}", d=at(hours=1)) == "Dec 7, 2026"  # a date-time's day, no time
    assert render("{{ d|clock }}", d=at(hours=1)) == "14:30"
    assert render("{{ d|exact }}", d=at(hours=1)) == "Dec 7, 2026 14:30"


# ---- one format on a real page -----------------------------------------------------------

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
OTHER_STYLES = [
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # 2026-12-07 (only allowed in machine attributes)
    re.compile(rf"\b(?:{MONTHS})\.\s"),  # Dec. 7, 2026
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),  # 12/07/2026
    re.compile(rf"\b\d{{1,2}} (?:{MONTHS})\b"),  # 7 Dec
    re.compile(r"\b\d+\s(?:minutes?|hours?|days?|weeks?),\s\d+"),  # timesince: "1 day, 3 hours"
]
ATTRIBUTE = re.compile(r'\s(?:datetime|value|data-[\w-]+)="[^"]*"')


def test_a_lead_page_with_a_timeline_shows_one_date_format(org, web):
    with time_machine.travel(datetime(2026, 11, 2, 10, 0, tzinfo=UTC), tick=False):
        lead = LeadFactory(owner=org.sam)
    with time_machine.travel(at(days=1, hours=1, minutes=25), tick=False):  # yesterday 14:05
        activity_create(actor=org.sam, kind="phone_call", regarding=lead, completed=True,
                        subject="Intro call", direction="outgoing")
    with time_machine.travel(at(hours=3), tick=False):
        record_event(record=lead, actor=org.sam, action=EventType.UPDATED, note="Checked the address")
        activity_create(actor=org.sam, kind="task", regarding=lead, subject="Send the offer",
                        due_at=datetime(2026, 12, 18, 9, 0, tzinfo=UTC))
    aggregation.catch_up()
    with time_machine.travel(NOW, tick=False):
        html = get_with_panels(web(org.sam), f"/leads/{lead.pk}/")
    text = ATTRIBUTE.sub("", html)
    for style in OTHER_STYLES:
        assert not style.search(text), style.search(text).group(0)
    assert ">Nov 2, 2026 10:00</time>" in html  # created: absolute, beyond the last days
    assert ">yesterday at 14:05</time>" in html  # the call, on the timeline
    assert ">3 hours ago</time>" in html  # the note and the task
    assert "Due <time" in html and ">Dec 18, 2026 09:00</time>" in html
    assert 'title="Dec 6, 2026 14:05"' in html and 'datetime="2026-12-06T14:05:00+00:00"' in html


# ---- no template prints its own date format ----------------------------------------------

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates",
                 *Path(settings.BASE_DIR).glob("crm/*/templates"),
                 *Path(settings.BASE_DIR).glob("*/templates")]
DATE_FILTER = re.compile(r"""\|\s*date\s*:\s*(["'])(?P<format>[^"']*)\1""")
MACHINE_FORMATS = {"c", "Y-m-d", "Y-m-d\\TH:i", "U"}
# (A template that must differ, and why.) The lockout page names a time of day with its zone.
EXCEPTIONS = {
    ("registration/lockout.html", "H:i"),
    ("registration/lockout.html", "T"),
}
# `timesince` only for a duration ("for 3 days" in the stage), never as a date.
TIMESINCE_ALLOWED = {"opportunities/_process.html"}


def _templates():
    seen = set()
    for root in TEMPLATE_DIRS:
        for path in sorted(root.rglob("*")):
            if path.suffix in {".html", ".txt"} and path not in seen:
                seen.add(path)
                yield path.relative_to(root).as_posix(), path.read_text()


def _in_machine_attribute(source: str, start: int) -> bool:
    """Whether the filter at `start` sits inside a `datetime="…"` or `value="…"` attribute."""
    opening = source.rfind('="', 0, start)
    if opening < 0 or '"' in source[opening + 2:start].replace("'", ""):
        return False
    attribute = re.search(r"([\w-]+)$", source[:opening])
    return bool(attribute) and attribute.group(1) in {"datetime", "value"}


def test_no_template_formats_a_date_outside_the_helpers():
    found = []
    for name, source in _templates():
        for match in DATE_FILTER.finditer(source):
            fmt = match.group("format")
            if (name, fmt) in EXCEPTIONS:
                continue
            if fmt in MACHINE_FORMATS and _in_machine_attribute(source, match.start()):
                continue
            found.append(f"{name}: |date:{match.group(1)}{fmt}{match.group(1)}")
        for match in re.finditer(r"\|\s*(timesince|timeuntil|naturaltime|naturalday)\b", source):
            if name not in TIMESINCE_ALLOWED:
                found.append(f"{name}: |{match.group(1)}")
    assert not found, "use {% when %} / |day (crm_tags) instead:\n" + "\n".join(found)


def test_the_check_recognises_machine_attributes():
    source = '<time datetime="{{ x|date:\'c\' }}">{{ x|date:"Y-m-d" }}</time>'
    first, second = (m.start() for m in DATE_FILTER.finditer(source))
    assert _in_machine_attribute(source, first)
    assert not _in_machine_attribute(source, second)
