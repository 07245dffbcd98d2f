"""A dashboard cache entry that cannot be read is recomputed, and the reason is logged."""

import logging

import pytest
from django.core.cache import cache
from django.utils import translation

from crm.insights import engine
from crm.insights.context import WidgetContext
from crm.insights.periods import relative_period
from crm.insights.registry import widgets

from .factories import TODAY


@pytest.mark.django_db
def test_an_unreadable_cache_entry_is_recomputed_and_logged(dataset, settings, caplog):
    settings.CRM_INSIGHTS_CACHE_SECONDS = 300
    widget = widgets["opportunities.top_open"]
    ctx = WidgetContext(user=dataset.org.maria, period=relative_period("this_year"),
                        today=TODAY)
    expected = engine.compute(widget, ctx, fresh=True).rows
    # Given an entry the cache cannot unpickle (written by another release, say)
    key = f"insights:{widget.name}:{translation.get_language()}:{ctx.cache_key()}"
    client = cache._cache.get_client(cache.make_and_validate_key(key), write=True)
    client.set(cache.make_and_validate_key(key), b"\x80not a pickle")

    with caplog.at_level(logging.WARNING, logger="crm.insights.engine"):
        result = engine.compute(widget, ctx)

    assert result.from_cache is False and result.rows == expected
    assert any("cache entry unreadable" in r.getMessage() and widget.name in r.getMessage()
               for r in caplog.records)
