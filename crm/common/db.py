"""Helpers for PostgreSQL-only schema pieces that must not break the SQLite default."""

from contextlib import contextmanager

from django.contrib.postgres.indexes import GinIndex
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, migrations, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Index


def postgres_only_sql(forward: str, backward: str = ""):
    """A migration operation running raw SQL only on PostgreSQL (a no-op on SQLite)."""

    def run(sql):
        def _apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql" and sql:
                schema_editor.execute(sql)

        return _apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)


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


class TrigramIndex(GinIndex):
    """`GinIndex(opclasses=["gin_trgm_ops"])` on PostgreSQL (similarity and `LIKE '%x%'` on
    the fields); other databases (SQLite, `make run`) have no trigrams and get a plain B-tree
    index of the same name, so migrations and table rebuilds work there too."""

    def __init__(self, *, fields=(), name=None, opclasses=(), **kwargs):
        super().__init__(fields=fields, name=name,
                         opclasses=opclasses or ["gin_trgm_ops"] * len(fields), **kwargs)

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            plain = Index(fields=self.fields, name=self.name)
            return plain.create_sql(model, schema_editor, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


def adopt_index(model: str, index: Index):
    """A migration operation taking an index an earlier migration created with raw SQL on
    PostgreSQL (same name, same definition) into the model state without rebuilding it;
    databases where that SQL did not run get the index now. `model` is "app_label.Model"."""
    app_label, model_name = model.split(".")

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.add_index(apps.get_model(app_label, model_name), index)

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.remove_index(apps.get_model(app_label, model_name), index)

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AddIndex(model_name=model_name.lower(), index=index)],
        database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
    )


def rename_values(connection: BaseDatabaseWrapper, table: str, column: str,
                  mapping: dict[str, str], batch: int = 50_000) -> int:
    """Rewrite the stored values of `table.column` by `mapping` (old -> new) for a data
    migration; returns the rows changed.

    One UPDATE per id range of `batch` rows, each committed on its own (run it from a migration
    with `atomic = False`), so a table of millions of rows is never locked as a whole. All pairs
    are applied at once per row (a CASE), so a chain (`a -> b`, `b -> c`) renames each row once
    (so such a mapping must run exactly once, as a migration does)."""
    if not mapping:
        return 0
    quote = connection.ops.quote_name
    table_q, column_q = quote(table), quote(column)
    cases = " ".join("WHEN %s THEN %s" for _ in mapping)
    pairs = [value for pair in mapping.items() for value in pair]
    olds = ", ".join(["%s"] * len(mapping))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table_q}")
        low, high = cursor.fetchone()
    if low is None:
        return 0
    changed = 0
    for start in range(low, high + 1, batch):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table_q} SET {column_q} = CASE {column_q} {cases} END "
                f"WHERE id >= %s AND id < %s AND {column_q} IN ({olds})",
                [*pairs, start, start + batch, *mapping])
            changed += cursor.rowcount
    return changed
