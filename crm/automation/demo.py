"""Demo: the lead-routing rules, shipped off (an admin turns them on in Settings > Automation)."""

from .models import Rule, Trigger


def seed(ctx) -> None:
    teams = ctx.get("teams") or {}
    east, west = teams.get("East"), teams.get("West")
    if east is None or west is None:
        return
    admin = (ctx.get("users") or {}).get("admin")
    Rule.objects.create(
        name="Lead routing: web-to-lead from the US to team East (round-robin)",
        record_type="lead", trigger=Trigger.CREATED, active=False, position=10,
        conditions={"match": "all", "conditions": [
            {"field": "source", "operator": "equals", "value": "web"},
            {"field": "country", "operator": "in", "value": ["USA", "United States", "US"]},
        ]},
        actions=[{"type": "assign_owner", "team": east.pk}], created_by=admin,
    )
    Rule.objects.create(
        name="Lead routing: imported leads to team West (round-robin)",
        record_type="lead", trigger=Trigger.CREATED, active=False, position=20,
        conditions={"match": "any", "conditions": [
            {"field": "import_job", "operator": "is_not_empty"},
        ]},
        actions=[{"type": "assign_owner", "team": west.pk}], created_by=admin,
    )
