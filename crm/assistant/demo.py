"""The assistant's part of `manage.py seed_demo`: no records of its own, only its cards."""

from .engine import scan


def finish(ctx: dict) -> None:
    """The cards about the demo's history (overdue tasks, stale deals, close dates passed...),
    as the nightly full scan would make them (after the timeline is aggregated)."""
    scan(full=True)
