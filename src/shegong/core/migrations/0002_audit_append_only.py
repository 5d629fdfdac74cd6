"""The audit log refuses UPDATE at the database level, whatever code runs against it.

DELETE stays possible for the database owner (retention jobs, test flushes); the ORM refuses it.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION core_auditevent_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_no_update();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS core_auditevent_no_update ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_no_update();
"""
SQLITE_UP = """
CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS core_auditevent_no_update;"


def up(apps, schema_editor):
    sql = {"postgresql": PG_UP, "sqlite": SQLITE_UP}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def down(apps, schema_editor):
    sql = {"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
