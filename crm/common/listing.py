"""Lean list rows (issue 17): a list page names its columns; the page reads only their fields
with `values()` and renders the table body in one pass of Python.

A `Column` is a label, the `values()` fields it needs and a cell formatter `cell(row, page)`
that returns escaped HTML. Rows are plain dicts (no model instances, no per-row `reverse()`,
template includes or `get_FOO_display()`): links come from a URL pattern resolved once per
page (`ListPage.url`), choice labels from a dict built once per page (`ListPage.labels`), the
`{% when %}` / `|day` / `format_money` presentation from the shared formatters with `now`
taken once. Labels are `gettext_lazy` strings, so the table reads in the viewer's language.

The builders below (`text`, `link`, `choice`, `money`, `when`, `day`, `person`, ...) cover the
usual cells; a page with a special cell passes its own function. A page that lets the user pick
columns later only has to choose a sub-list of its columns: fields and cells follow.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape as _escape
from html import unescape as _unescape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import formatting

_SENTINEL = 987654321


def esc(value) -> str:
    """HTML-escape a cell value (None reads as nothing)."""
    if value is None:
        return ""
    return _escape(str(value), quote=True)


class Row(dict):
    """One list row: the `values()` dict, also readable as attributes (`row.name`, `row.pk`)."""

    __slots__ = ()

    def __getattr__(self, name):
        if name == "pk":
            name = "id"
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class ListPage:
    """What the cells of one rendered page share: URL patterns, choice labels, `now`."""

    def __init__(self, request=None, *, sort: str = "", sort_links: dict | None = None):
        self.request = request
        self.sort = sort
        self.sort_links = sort_links or {}
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self._patterns: dict[str, tuple[str, str]] = {}
        self._labels: dict[int, dict] = {}

    def url(self, url_name: str, pk) -> str:
        """`reverse(url_name, args=[pk])`, resolved once per page for every row."""
        pattern = self._patterns.get(url_name)
        if pattern is None:
            head, _, tail = reverse(url_name, args=[_SENTINEL]).partition(str(_SENTINEL))
            pattern = self._patterns[url_name] = (esc(head), esc(tail))
        return f"{pattern[0]}{pk}{pattern[1]}"

    def labels(self, choices) -> dict:
        """{value: escaped label} of a TextChoices class or a choices list, once per page."""
        key = id(choices)
        labels = self._labels.get(key)
        if labels is None:
            items = choices.choices if hasattr(choices, "choices") else choices
            labels = self._labels[key] = {value: esc(label) for value, label in items}
        return labels


Cell = Callable[[dict, ListPage], str]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    fields: tuple[str, ...]
    cell: Cell
    sort: str = ""  # key of the view's sort_fields: the header links to sort by it
    css: str = ""  # class of the cells ("num", "nowrap")
    header: Callable[[], str] | None = None  # HTML of the header cell's content (default: label)
    th_css: str = ""
    short_label: str = ""  # the header's text when shorter than the cells' label ("Prob.")
    # the cell's plain value for exports (text, number, date); default: the cell builder's
    # `plain`, else the cell's text without its markup
    value: Callable[[dict, "ListPage"], object] | None = None

    def plain(self, row, page):
        if self.value is not None:
            return self.value(row, page)
        builder = getattr(self.cell, "plain", None)
        if builder is not None:
            return builder(row, page)
        return _text_of(self.cell(row, page))


_TAG = re.compile(r"<[^>]*>")


def _text_of(html: str) -> str:
    """A cell's text: tags dropped (a `<br>` reads as a space), entities decoded."""
    return " ".join(_unescape(_TAG.sub(" ", html.replace("<br>", " "))).split())


def with_plain(cell: Cell, plain: Callable) -> Cell:
    cell.plain = plain
    return cell


def values_fields(columns: Iterable[Column], always: Sequence[str] = ("id",)) -> list[str]:
    """The `values()` fields of the columns, each once, in order."""
    out = list(always)
    for column in columns:
        for name in column.fields:
            if name not in out:
                out.append(name)
    return out


def _header(column: Column, page: ListPage) -> str:
    if column.header is not None:
        return column.header()
    label = esc(column.short_label or column.label)
    if not column.sort:
        return label
    key, sort = column.sort, page.sort
    arrow = " ▲" if sort == key else " ▼" if sort == f"-{key}" else ""
    aria = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
    url = esc(page.sort_links.get(key, "?"))
    # aria-sort goes on the <th> (render_table): a link may not carry it
    return (f'<a href="{url}" class="sort" data-sort="{aria}">{label}'
            f'<span aria-hidden="true">{arrow}</span></a>')


def render_table(columns: Sequence[Column], rows: Iterable[dict], page: ListPage, *,
                 table_class: str = "list responsive") -> SafeString:
    """The whole `<table>`: a header cell per column (sort links) and a row per dict."""
    head = []
    for c in columns:
        th_css = c.th_css or ("num" if c.css == "num" else "")
        sorted_by = c.sort and page.sort in (c.sort, f"-{c.sort}")
        aria = (' aria-sort="ascending"' if page.sort == c.sort else
                ' aria-sort="descending"') if sorted_by else ""
        head.append(f'<th class="{th_css}"{aria}>' if th_css else f"<th{aria}>")
        head.append(f"{_header(c, page)}</th>")
    head = "".join(head)
    # per column: the opening tag of its cells (label and class escaped once per page)
    opens = [((f'<td data-label="{esc(c.label)}"' if str(c.label) else "<td")
              + (f' class="{c.css}">' if c.css else ">"), c.cell) for c in columns]
    body = []
    append = body.append
    for row in rows:
        append("<tr>")
        for open_tag, cell in opens:
            append(open_tag)
            append(cell(row, page))
            append("</td>")
        append("</tr>\n")
    return mark_safe(f'<table class="{table_class}"><thead><tr>{head}</tr></thead>'
                     f'<tbody>{"".join(body)}</tbody></table>')


# --- cell builders ---------------------------------------------------------------------------
def text(name: str, *, default: str = "") -> Cell:
    def cell(row, page):
        value = row[name]
        return esc(value) if value not in (None, "") else default
    return with_plain(cell, lambda row, page: row[name])


def truncated(name: str, length: int) -> Cell:
    """Like `|truncatechars:length` (the ellipsis counts as one character)."""
    def cell(row, page):
        value = row[name] or ""
        if len(value) > length:
            value = value[: length - 1] + "…"
        return esc(value)
    return with_plain(cell, lambda row, page: row[name])


def link(name: str, url_name: str, *, pk: str = "id", text_fn: Callable | None = None) -> Cell:
    """`<a href="{url of the row}">{value}</a>`; nothing when the linked id is empty."""
    def cell(row, page):
        target = row[pk]
        label = text_fn(row) if text_fn is not None else row[name]
        if target is None:
            return esc(label)
        return f'<a href="{page.url(url_name, target)}">{esc(label)}</a>'
    return with_plain(cell, lambda row, page: text_fn(row) if text_fn is not None else row[name])


def choice(name: str, choices) -> Cell:
    """The choice's label (what `get_FOO_display()` gives), from a dict made once per page."""
    def cell(row, page):
        value = row[name]
        return page.labels(choices).get(value, esc(value))
    return with_plain(cell, lambda row, page: _choice_label(choices, row[name]))


def pill(name: str, choices, css: Callable[[object], str] | None = None) -> Cell:
    def cell(row, page):
        value = row[name]
        klass = css(value) if css is not None else f"pill-{esc(value)}"
        return (f'<span class="pill {klass}">'
                f"{page.labels(choices).get(value, esc(value))}</span>")
    return with_plain(cell, lambda row, page: _choice_label(choices, row[name]))


def money(name: str, currency: str | None = None, *, blank_if_none: bool = False) -> Cell:
    """`format_money(row[name], row[currency])` ("1,234.50 USD"); "—" or nothing for None."""
    def cell(row, page):
        value = row[name]
        if value is None and blank_if_none:
            return ""
        return esc(formatting.format_money(value, row[currency] if currency else None))
    return with_plain(cell, lambda row, page: row[name])


def when(name: str) -> Cell:
    """What `{% when value %}` renders: a `<time>` with relative text and the exact moment."""
    def cell(row, page):
        value = row[name]
        if value is None or value == "":
            return formatting.MISSING
        return (f'<time datetime="{formatting.iso_datetime(value)}" '
                f'title="{esc(formatting.format_datetime(value))}">'
                f"{esc(formatting.format_when(value, now=page.now))}</time>")
    return with_plain(cell, lambda row, page: _local(row[name]))


def day(name: str) -> Cell:
    """What `|day` renders: "Dec 7, 2026", "—" for none."""
    def cell(row, page):
        return esc(formatting.format_day(row[name]))
    return with_plain(cell, lambda row, page: row[name])


def person_fields(prefix: str) -> tuple[str, ...]:
    return (f"{prefix}__first_name", f"{prefix}__last_name", f"{prefix}__username")


def person_name(row, prefix: str) -> str:
    """What `str(user)` gives (full name, else username), from the `person_fields` values."""
    first, last = row[f"{prefix}__first_name"], row[f"{prefix}__last_name"]
    if first is None and last is None and row[f"{prefix}__username"] is None:
        return ""
    return f"{first or ''} {last or ''}".strip() or row[f"{prefix}__username"] or ""


def person(prefix: str = "owner") -> Cell:
    def cell(row, page):
        return esc(person_name(row, prefix))
    return with_plain(cell, lambda row, page: person_name(row, prefix))


def person_column(prefix: str = "owner", label="", *, sort: str = "", key: str = "") -> Column:
    return Column(key or prefix, label, person_fields(prefix), person(prefix), sort=sort)


def checkbox(aria_label: Callable[[dict], str], *, name: str = "ids",
             header_aria: str = "") -> Column:
    """A selection checkbox per row (bulk actions) and a select-all box in the header."""
    def cell(row, page):
        return (f'<input type="checkbox" name="{name}" value="{row["id"]}" '
                f'aria-label="{esc(aria_label(row))}">')

    def header():
        return f'<input type="checkbox" aria-label="{esc(header_aria)}" data-select-all>'

    return Column("select", "", ("id",), cell, header=header)


def _choice_label(choices, value) -> str:
    """The choice's label in the active language ("" for none)."""
    if value in (None, ""):
        return ""
    items = choices.choices if hasattr(choices, "choices") else choices
    return str(dict(items).get(value, value))


def _local(value):
    """A datetime in the viewer's time zone without its offset (what a spreadsheet holds)."""
    if value is None or value == "" or not hasattr(value, "tzinfo"):
        return value
    if value.tzinfo is not None:
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)
