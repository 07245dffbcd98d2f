"""The forecast grid served from a rollup, like the dashboards (crm.insights.engine).

A Celery beat task (`forecasting.warm_grid`, every 5 minutes) computes the whole hierarchy's
rows for the current quarter and month with one aggregate per period, on the read replica
when there is one, and keeps every subtree in the cache; the grid page reads its tree from
there and shows how fresh it is ("figures as of 14:05", the replica's lag included), with a
"Refresh now" link. An adjustment, a quota or a category set from the grid bumps a version, so
the manager's own change shows at once; other changes to opportunities show within minutes.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.http import Http404
from django.utils import timezone

from crm.common.db_router import on_replica
from crm.common.visibility import is_admin, subordinate_ids
from crm.insights.periods import month_period, quarter_containing

from . import selectors

logger = logging.getLogger(__name__)


def warm_seconds() -> int:
    return int(getattr(settings, "CRM_INSIGHTS_WARM_SECONDS", 900))


def _scope() -> str:
    # The database's name keeps the grids of two databases sharing one Redis apart.
    return str(connections["default"].settings_dict.get("NAME") or "")


def _version_key() -> str:
    return f"forecast:grid:version:{_scope()}"


def _version() -> int:
    try:
        return int(cache.get(_version_key()) or 0)
    except Exception:  # noqa: BLE001 - the cache fails open
        return 0


def bump_version() -> None:
    """After a change made from the grid (adjustment, quota, category): recompute on next read."""
    def bump():
        try:
            cache.set(_version_key(), _version() + 1, None)
        except Exception as exc:  # noqa: BLE001
            logger.warning("forecast cache unavailable, version not bumped: %s", exc)

    transaction.on_commit(bump)


def _key(period, root_id, version) -> str:
    return f"forecast:grid:{_scope()}:{version}:{period.key}:{root_id}"


def _store(rows, period, computed_at, version) -> None:
    try:
        cache.set_many({_key(period, row.user.pk, version): (row, computed_at) for row in rows},
                       warm_seconds())
    except Exception as exc:  # noqa: BLE001
        logger.warning("forecast cache unavailable, grid not cached: %s", exc)


def _for_viewer(tree, viewer):
    admin = is_admin(viewer)
    below = subordinate_ids(viewer) if not admin and viewer.role == "manager" else frozenset()
    for row in tree.walk():
        row.can_adjust = admin or (viewer.role == "manager" and (
            row.user.pk == viewer.pk or row.user.pk in below))
    return tree


def grid_tree(*, viewer, root, period, fresh: bool = False):
    """(tree, computed_at, from_cache) for the grid page: the cached rows of `root`'s subtree,
    or computed now (and cached) when missing or `fresh`. Http404 when `viewer` may not see it."""
    allowed = selectors.viewable_root_ids(viewer)
    if allowed is not None and root.pk not in allowed:
        raise Http404("No forecast for this user.")
    version = _version()
    if not fresh:
        try:
            hit = cache.get(_key(period, root.pk, version))
        except Exception:  # noqa: BLE001
            hit = None
        if hit is not None:
            tree, computed_at = hit
            return _for_viewer(tree, viewer), computed_at, True
    forest, computed_at = on_replica(selectors.build_forest, period=period, root_ids=[root.pk])
    tree = forest[0]
    _store(list(tree.walk()), period, computed_at, version)
    return _for_viewer(tree, viewer), computed_at, False


def warm_grid(*, today=None) -> int:
    """Every subtree of the hierarchy for the current quarter and month into the cache; one
    aggregate per period (Celery beat). Returns the number of rows cached."""
    today = today or timezone.localdate()
    version = _version()
    cached = 0
    for period in (quarter_containing(today), month_period(today)):
        forest, computed_at = on_replica(selectors.build_forest, period=period)
        rows = [row for tree in forest for row in tree.walk()]
        _store(rows, period, computed_at, version)
        cached += len(rows)
    return cached
