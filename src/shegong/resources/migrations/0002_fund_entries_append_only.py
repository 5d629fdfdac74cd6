"""Fund ledger entries refuse UPDATE and DELETE at the database level, whatever code runs.

Corrections are reversal entries (resources.fund_services.reverse_entry). On PostgreSQL the
owner can still TRUNCATE (Django's test flush does); on SQLite, Django's flush is a plain
DELETE, so a transactional (live_server) test must not leave fund entries behind it. A later
migration that alters this table on SQLite rebuilds it and must create the triggers again.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION resources_fundentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'fund ledger entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER resources_fundentry_no_update BEFORE UPDATE ON resources_fundentry
    FOR EACH ROW EXECUTE FUNCTION resources_fundentry_append_only();
CREATE TRIGGER resources_fundentry_no_delete BEFORE DELETE ON resources_fundentry
    FOR EACH ROW EXECUTE FUNCTION resources_fundentry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS resources_fundentry_no_update ON resources_fundentry;
DROP TRIGGER IF EXISTS resources_fundentry_no_delete ON resources_fundentry;
DROP FUNCTION IF EXISTS resources_fundentry_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER resources_fundentry_no_update BEFORE UPDATE ON resources_fundentry
    BEGIN SELECT RAISE(ABORT, 'fund ledger entries are append-only'); END;""",
    """CREATE TRIGGER resources_fundentry_no_delete BEFORE DELETE ON resources_fundentry
    BEGIN SELECT RAISE(ABORT, 'fund ledger entries are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS resources_fundentry_no_update;",
    "DROP TRIGGER IF EXISTS resources_fundentry_no_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
