"""Helpers for PostgreSQL-only schema pieces that must not break the SQLite default."""

from django.db import migrations


def postgres_only_sql(forward: str, backward: str = ""):
    """A migration operation running raw SQL only on PostgreSQL (a no-op on SQLite)."""

    def run(sql):
        def _apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql" and sql:
                schema_editor.execute(sql)

        return _apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)


def is_postgres(connection=None) -> bool:
    from django.db import connection as default

    return (connection or default).vendor == "postgresql"
