"""Reactions to other apps' signals."""

from . import services


def mark_lead_contacted(sender, activity=None, actor=None, **kwargs):
    """PROCESS.md: a `new` lead becomes `contacted` when its first activity is completed."""
    if activity is not None:
        services.lead_auto_mark_contacted(activity=activity, actor=actor)
