"""A covering index for search: workspace, object type and token prefix lead, and the row's
field and record id come from the index itself (an index-only scan on PostgreSQL, a covering
index on SQLite). The older (workspace, token) index made every matching token of every
object type fetch its table row: a one-character Chinese query read ~4,000 rows per object
type on 200k contacts (benchmarks/customers.py).

Kept outside the migration state on purpose (PostgreSQL needs the varchar_pattern_ops opclass
and INCLUDE, SQLite a plain column list), so `SearchTerm.Meta.indexes` is unchanged."""

from django.db import migrations

NAME = "search_term_prefix"
TABLE = "customers_searchterm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON {TABLE} "
            "(workspace_id, object_type, token varchar_pattern_ops) INCLUDE (field, object_id)"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON {TABLE} "
            "(workspace_id, object_type, token, field, object_id)"
        )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: searches and writes go on while it builds

    dependencies = [
        ("customers", "0002_alter_collaborator_object_type_and_more"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
