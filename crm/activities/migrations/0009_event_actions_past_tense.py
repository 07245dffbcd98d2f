"""Stored event actions in the past tense (crm.activities.event_types.EventType).

Batched and reversible (crm.common.db.rename_values). All pairs apply at once per row: renaming
pair by pair would turn the old "merge" into "merged" and then on into "merged_into", the new
name of the old "merged".
"""

from django.db import migrations

from crm.common.db import rename_values

# old -> new, frozen here (the app's RENAMED may change later)
RENAMED = {
    "mark_contacted": "contacted",
    "qualify": "qualified",
    "disqualify": "disqualified",
    "reactivate": "reactivated",
    "merge": "merged",
    "merged": "merged_into",
}


def forwards(apps, schema_editor):
    table = apps.get_model("activities", "Event")._meta.db_table
    rename_values(schema_editor.connection, table, "action", RENAMED)


def backwards(apps, schema_editor):
    table = apps.get_model("activities", "Event")._meta.db_table
    rename_values(schema_editor.connection, table, "action",
                  {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own

    dependencies = [("activities", "0008_activity_regarding_invoice")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
