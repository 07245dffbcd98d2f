"""The forecast grid from the Celery rollup (forecasting/rollup.py), with its freshness."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.insights.periods import parse_period
from forecasting import rollup, services, tasks
from tests.insights.factories import build_dataset

pytestmark = pytest.mark.django_db
Q2 = "2026-Q2"


def _aggregates(queries) -> int:
    return sum(1 for q in queries.captured_queries
               if 'FROM "opportunities_opportunity"' in q["sql"] and "GROUP BY" in q["sql"])


def test_the_grid_is_served_from_the_rollup_and_says_how_fresh_it_is(org, web):
    build_dataset(org)
    client = web(org.maria)

    with CaptureQueriesContext(connection) as first:
        page = client.get(f"/forecasts/?period={Q2}")
    with CaptureQueriesContext(connection) as second:
        again = client.get(f"/forecasts/?period={Q2}")

    assert _aggregates(first) == 1 and _aggregates(second) == 0
    assert len(second) < len(first)
    assert again.context["from_cache"] and again.context["computed_at"] == page.context[
        "computed_at"]
    html = again.content.decode()
    assert "Figures as of" in html and "refresh=1" in html
    assert [r.total["won"] for r in again.context["rows"]] == [
        r.total["won"] for r in page.context["rows"]]
    with CaptureQueriesContext(connection) as refreshed:
        fresh = client.get(f"/forecasts/?period={Q2}&refresh=1")
    assert _aggregates(refreshed) == 1 and not fresh.context["from_cache"]


def test_the_beat_task_warms_every_subtree_for_the_current_periods(org, web, monkeypatch):
    build_dataset(org)
    period = parse_period(Q2)
    monkeypatch.setattr(rollup, "quarter_containing", lambda today: period)
    monkeypatch.setattr(rollup, "month_period", lambda today: parse_period("2026-05"))

    assert tasks.warm_grid.delay().get() >= 2 * 7  # seven users, two periods

    for viewer, root in ((org.maria, org.maria), (org.maria, org.walt), (org.tom, org.tom)):
        with CaptureQueriesContext(connection) as queries:
            response = web(viewer).get(f"/forecasts/?period={Q2}&user={root.pk}")
        assert response.context["from_cache"] and _aggregates(queries) == 0


def test_who_may_adjust_is_decided_per_viewer_not_cached(org, web):
    build_dataset(org)
    rollup.grid_tree(viewer=org.admin, root=org.maria, period=parse_period(Q2))

    maria = web(org.maria).get(f"/forecasts/?period={Q2}&user={org.walt.pk}")
    walt = web(org.walt).get(f"/forecasts/?period={Q2}")
    tom = web(org.tom).get(f"/forecasts/?period={Q2}")

    assert all(r.can_adjust for r in maria.context["rows"])
    assert [r.can_adjust for r in walt.context["rows"]] == [True, True]
    assert [r.can_adjust for r in tom.context["rows"]] == [False]
    assert web(org.sam).get(f"/forecasts/?period={Q2}&user={org.walt.pk}").status_code == 404


def test_an_adjustment_shows_on_the_grid_at_once(org, web, django_capture_on_commit_callbacks):
    build_dataset(org)
    client = web(org.maria)
    client.get(f"/forecasts/?period={Q2}&user={org.walt.pk}")  # cached now

    with django_capture_on_commit_callbacks(execute=True):
        services.forecast_adjust(actor=org.maria, user=org.walt, period=parse_period(Q2),
                                 amount="12345.00", note="Big renewal")
    response = client.get(f"/forecasts/?period={Q2}&user={org.walt.pk}")

    assert not response.context["from_cache"]
    assert str(response.context["rows"][0].forecast) == "12345.00"


def test_the_freshness_of_a_replica_read_is_the_replicas(org, web, monkeypatch):
    """With a read replica the figures are as old as its replay lag (db_router.on_replica)."""
    from django.utils import timezone

    lag = timedelta(minutes=7)
    monkeypatch.setattr(rollup, "on_replica",
                        lambda work, **kw: (work(**kw), timezone.now() - lag))
    build_dataset(org)

    response = web(org.maria).get(f"/forecasts/?period={Q2}")

    assert timezone.now() - response.context["computed_at"] >= lag
