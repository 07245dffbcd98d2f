"""Rule transitions and outgoing event actions in the past tense, as activities 0009 renames
the Event rows (crm.activities.event_types.EventType). Batched and reversible."""

from django.db import migrations

from crm.common.db import rename_values

# old -> new, frozen here
RENAMED = {
    "mark_contacted": "contacted",
    "qualify": "qualified",
    "disqualify": "disqualified",
    "reactivate": "reactivated",
    "merge": "merged",
    "merged": "merged_into",
}
# A rule never waited for the old "merged" (the duplicate's side of a merge).
RULE_RENAMED = {old: new for old, new in RENAMED.items() if old != "merged"}


def _rename_rules(apps, mapping):
    Rule = apps.get_model("automation", "Rule")
    for rule in Rule.objects.exclude(transitions=[]).only("pk", "transitions").iterator():
        renamed = [mapping.get(t, t) for t in rule.transitions or []]
        if renamed != rule.transitions:
            Rule.objects.filter(pk=rule.pk).update(transitions=sorted(set(renamed)))


def forwards(apps, schema_editor):
    table = apps.get_model("automation", "OutgoingEvent")._meta.db_table
    rename_values(schema_editor.connection, table, "action", RENAMED)
    _rename_rules(apps, RULE_RENAMED)


def backwards(apps, schema_editor):
    table = apps.get_model("automation", "OutgoingEvent")._meta.db_table
    rename_values(schema_editor.connection, table, "action",
                  {new: old for old, new in RENAMED.items()})
    _rename_rules(apps, {new: old for old, new in RULE_RENAMED.items()})


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own

    dependencies = [("automation", "0002_rule_run_retries")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
