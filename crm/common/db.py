"""Helpers for PostgreSQL-only schema pieces that must not break the SQLite default."""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, migrations


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


@contextmanager
def fixed_join_order(using: str = DEFAULT_DB_ALIAS):
    """Plan the queries run inside in the order their joins are written (PostgreSQL).

    For a list that joins many optional records to each row (an activity and its owner plus
    seven possible regarding records), PostgreSQL spends ~30 ms searching join orders for a
    query that runs in ~1 ms; written order (the listed table first, then a primary-key lookup
    per join) is the best plan anyway. Costs two round trips (SET, RESET).
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET join_collapse_limit = 1")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET join_collapse_limit")
        except DatabaseError:
            pass  # an aborted transaction undoes the SET when it rolls back
