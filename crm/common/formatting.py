"""How a person reads an amount: the one money formatter for pages, PDFs, flash messages,
timeline notes, assistant cards and e-mails.

`format_money(Decimal("67284"), "USD")` -> "67,284.00 USD" ("67.284,00 USD" in German: the
active language's separators, crm/formats): rounded half-up to cents, thousands grouped, the
currency code after the amount when one is given; a missing amount reads "—".
(`crm.common.money` does the arithmetic; this module only presents.)

How a person reads a date (issue 16 item 8), one policy for every page, message and note:
- a date-time of the last/next hours or days reads relative: "just now", "3 minutes ago",
  "2 hours ago", "today at 09:15", "yesterday at 14:05", "Tuesday at 14:05", "in 2 hours",
  "tomorrow at 09:00" (`format_when`); further away it reads absolute (`format_datetime`);
- an absolute date-time is the active language's DATETIME_FORMAT ("Dec 7, 2026 14:05" in
  English, "7. Dezember 2026 14:05" in German, see crm/formats), shown in the active time zone (the
  user's time zone from the profile page, else the server's TIME_ZONE: crm.users.middleware);
- a date without a time (due, close, issue dates) always reads as a date: `format_day`
  ("Dec 7, 2026"), never relative and never with a time;
- a missing value reads "—".
Templates use `{% when value %}` (a `<time datetime=ISO title=exact>` element) and `|day`
(crm_tags); Python code (flash messages, event notes, card texts) calls these functions.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, numberformat, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
MISSING = "—"


def _decimal(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, float):  # e.g. a chart aggregate; shown, never computed with
        return Decimal(repr(amount))
    try:
        return Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc


def format_money(amount, currency: str | None = None) -> str:
    """The amount as people read it everywhere: "1,234.50" or "1,234.50 EUR"."""
    number = _decimal(amount)
    if number is None:
        return MISSING
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    number = number.quantize(CENT, rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # never "-0.00"
    separators = _money_separators.get(get_language())
    if separators is None:
        separators = _load_money_separators()
    decimal_sep, grouping, thousand_sep, table = separators
    if grouping == 3:
        # The same text as numberformat.format for groups of three, ~10× cheaper: Python's
        # own grouping ("1,234.50"), then the language's separators (issue 17: the forecast
        # grid formats ~400 amounts a page).
        text = f"{number:,.2f}"
        if table is not None:
            text = text.translate(table)
    else:
        text = numberformat.format(number, decimal_sep, decimal_pos=2, grouping=grouping,
                                   thousand_sep=thousand_sep, force_grouping=True)
    return f"{text} {currency}" if currency else text


# language -> (decimal separator, grouping, thousand separator, str.translate table or None)
_money_separators: dict = {}


def _load_money_separators():
    decimal_sep = formats.get_format("DECIMAL_SEPARATOR")
    thousand_sep = formats.get_format("THOUSAND_SEPARATOR")
    grouping = formats.get_format("NUMBER_GROUPING")
    table = None if (decimal_sep, thousand_sep) == (".", ",") else \
        str.maketrans({",": thousand_sep, ".": decimal_sep})
    separators = _money_separators[get_language()] = (decimal_sep, grouping, thousand_sep,
                                                      table)
    return separators


@receiver(setting_changed)
def _forget_money_separators(**kwargs):
    _money_separators.clear()


# ---- dates -------------------------------------------------------------------------------

RELATIVE_HOURS = 6  # "5 hours ago"; further back, "today at 09:15" / "yesterday at 14:05"
RELATIVE_DAYS = 6  # "Tuesday at 14:05" within the week; further away, the absolute date-time


def _missing(value) -> bool:
    return value is None or value == ""


def _local(moment: datetime) -> datetime:
    """The moment in the active time zone (a naive one is taken as the active zone's)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment)


# Issue 17: a list page formats a few dozen dates, a timeline a few more, each through
# `dateformat.format` (a regex split of the format, a formatter object, a lazy month name per
# call). The language's formats are compiled once into pieces: literal text and the handful of
# specifiers our formats use, with the month and weekday names of the language read once.
# Any other specifier keeps Django's own formatter; the text is the same.
_DATE_SPECS = {
    "d": lambda v, names: f"{v.day:02d}",
    "j": lambda v, names: str(v.day),
    "m": lambda v, names: f"{v.month:02d}",
    "n": lambda v, names: str(v.month),
    "Y": lambda v, names: f"{v.year:04d}",
    "M": lambda v, names: names["M"][v.month],
    "F": lambda v, names: names["F"][v.month],
    "l": lambda v, names: names["l"][v.weekday()],
    "D": lambda v, names: names["D"][v.weekday()],
}
_TIME_SPECS = {
    "H": lambda v, names: f"{v.hour:02d}",
    "i": lambda v, names: f"{v.minute:02d}",
}
_compiled_formats: dict = {}


def _compile_format(format_name: str):
    """(pieces, names) for the active language's `format_name`, or None for Django's own
    formatter. A piece is text or (specifier function, is a time specifier)."""
    from django.utils import dates
    from django.utils.dateformat import re_escaped, re_formatchars

    fmt = str(formats.get_format(format_name))
    pieces = []
    for index, piece in enumerate(re_formatchars.split(fmt)):
        if index % 2:
            spec = _DATE_SPECS.get(piece) or _TIME_SPECS.get(piece)
            if spec is None:
                return None
            pieces.append((spec, piece in _TIME_SPECS))
        elif piece:
            pieces.append(re_escaped.sub(r"\1", piece))
    names = {"M": {k: str(v).title() for k, v in dates.MONTHS_3.items()},
             "F": {k: str(v) for k, v in dates.MONTHS.items()},
             "l": {k: str(v) for k, v in dates.WEEKDAYS.items()},
             "D": {k: str(v) for k, v in dates.WEEKDAYS_ABBR.items()}}
    return pieces, names


def _format_date(value, format_name: str) -> str:
    """`formats.date_format(value, format_name)` (or `time_format` for TIME_FORMAT)."""
    key = (get_language(), format_name)
    compiled = _compiled_formats.get(key)
    if compiled is None:
        compiled = _compiled_formats[key] = _compile_format(format_name) or False
    if compiled is False or (type(value) is date
                             and any(type(p) is tuple and p[1] for p in compiled[0])):
        if format_name == "TIME_FORMAT":
            return formats.time_format(value, format_name)
        return formats.date_format(value, format_name)
    pieces, names = compiled
    return "".join(p if type(p) is str else p[0](value, names) for p in pieces)


@receiver(setting_changed)
def _forget_compiled_formats(**kwargs):
    _compiled_formats.clear()


def format_day(value) -> str:
    """A date as people read it: "Dec 7, 2026" (a date-time gives its local day)."""
    if _missing(value):
        return MISSING
    if isinstance(value, datetime):
        value = _local(value).date()
    elif not isinstance(value, date):
        raise ValueError(f"not a date: {value!r}")
    return _format_date(value, "DATE_FORMAT")


def format_time(value) -> str:
    """The local time of day of a date-time: "14:05"."""
    if _missing(value):
        return MISSING
    return _format_date(_local(value), "TIME_FORMAT")


def format_datetime(value) -> str:
    """The exact, absolute date-time: "Dec 7, 2026 14:05" (a date alone: "Dec 7, 2026")."""
    if _missing(value):
        return MISSING
    if not isinstance(value, datetime):
        return format_day(value)
    return _format_date(_local(value), "DATETIME_FORMAT")


def format_when(value, *, now: datetime | None = None) -> str:
    """A date-time relative to now when it is near ("3 hours ago", "yesterday at 14:05",
    "in 2 hours"), absolute otherwise; a date alone is always `format_day`."""
    if _missing(value):
        return MISSING
    if not isinstance(value, datetime):
        return format_day(value)
    now = now or timezone.now()
    local, local_now = _local(value), _local(now)
    seconds = (local_now - local).total_seconds()
    past = seconds >= 0
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        if past:
            return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
        return ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < RELATIVE_HOURS:
        if past:
            return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
        return ngettext("in %(n)d hour", "in %(n)d hours", hours) % {"n": hours}
    days = (local.date() - local_now.date()).days
    time = {"time": format_time(local)}
    if days == 0:
        return _("today at %(time)s") % time
    if days == -1:
        return _("yesterday at %(time)s") % time
    if days == 1:
        return _("tomorrow at %(time)s") % time
    if abs(days) <= RELATIVE_DAYS:
        weekday = _format_date(local, "l")
        return _("%(weekday)s at %(time)s") % {"weekday": weekday, **time}
    return format_datetime(local)


def iso_datetime(value) -> str:
    """The machine form for a `<time datetime>` attribute: local ISO 8601 with the offset
    ("2026-12-07T14:05:00+00:00"), or "2026-12-07" for a date alone."""
    if _missing(value):
        return ""
    if isinstance(value, datetime):
        return _local(value).isoformat(timespec="seconds")
    return value.isoformat()
