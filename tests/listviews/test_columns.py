"""Every list honours a view's columns (chosen, ordered, related names joined) at a bounded
query count whatever the columns chosen."""

from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.listviews.resources import RESOURCES

from .makers import MAKERS, make_rows

pytestmark = pytest.mark.django_db


def _keys(resource):
    return [c.key for c in RESOURCES[resource].view_class.column_choices()]


def _headers(html):
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return head


@pytest.mark.parametrize("resource", list(MAKERS))
def test_every_column_on_costs_no_more_queries_than_the_page(resource, org, web):
    path, _make = MAKERS[resource]
    make_rows(resource, org, 27)
    client = web(org.sam)
    keys = _keys(resource)
    sep = "&" if "?" in path else "?"
    everything = f"{path}{sep}cols={','.join(keys)}"
    client.get(path)  # warm: session, owner choices, the view menu
    client.get(everything)
    with CaptureQueriesContext(connection) as plain:
        response = client.get(path)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as full:
        response = client.get(everything)
    assert response.status_code == 200
    rows = response.context["object_list"]
    assert len(rows) == 25
    # related names are joined in the page's query, never read per row
    assert len(full) <= max(len(plain), 8), [q["sql"] for q in full.captured_queries]
    html = response.content.decode()
    head = _headers(html)
    view = RESOURCES[resource].view_class
    # (the score column shows only with scoring on)
    labels = [escape(str(c.short_label or c.label)) for c in view.column_choices()
              if c.key != "score"]
    positions = [head.find(label) for label in labels]
    assert all(p >= 0 for p in positions), dict(zip(labels, positions, strict=True))
    assert html.count("<tr>") >= 25


@pytest.mark.parametrize("resource", list(MAKERS))
def test_a_chosen_subset_shows_only_those_columns_in_that_order(resource, org, web):
    path, _make = MAKERS[resource]
    make_rows(resource, org, 3)
    view = RESOURCES[resource].view_class
    choices = view.column_choices()
    first, last = choices[-1], choices[0]  # an added column first, the page's first last
    sep = "&" if "?" in path else "?"
    response = web(org.sam).get(f"{path}{sep}cols={first.key},{last.key}")
    head = _headers(response.content.decode())
    a, b = escape(str(first.short_label or first.label)), escape(str(last.short_label
                                                                      or last.label))
    assert a in head and b in head
    assert head.index(a) < head.index(b)
    others = [escape(str(c.short_label or c.label)) for c in choices[1:-1]]
    assert not any(f">{label}<" in head for label in others if label not in (a, b))


def test_unknown_columns_are_ignored_and_the_page_keeps_its_own(org, web):
    make_rows("accounts", org, 2)
    response = web(org.sam).get("/accounts/?cols=nope,<script>")
    assert response.status_code == 200
    head = _headers(response.content.decode())
    assert "Industry" in head and "&lt;script" not in head


def test_column_chooser_moves_a_column_with_a_plain_form(org, web):
    make_rows("accounts", org, 2)
    client = web(org.sam)
    response = client.get("/accounts/?cols=name&cols=city&cols=owner&move=owner:up&industry=")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/accounts/?") and "move" not in location
    assert "cols=name%2Cowner%2Ccity" in location
    page = client.get(location)
    head = _headers(page.content.decode())
    assert head.index("Owner") < head.index("City")
