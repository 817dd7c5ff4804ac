"""Two accepted installation windows of one engineer never overlap, checked by the database.

PostgreSQL: an exclusion constraint over (engineer, time range) for accepted windows.
SQLite: triggers that abort an insert or update creating such an overlap.
Other databases rely on the service-layer check alone.
"""

from django.db import migrations

TABLE = "releases_installationwindow"

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE {TABLE} ADD CONSTRAINT installation_window_engineer_no_overlap
        EXCLUDE USING gist (engineer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status = 'accepted')""",
]
POSTGRES_DOWN = [f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS installation_window_engineer_no_overlap"]

_CLASH = f"""SELECT RAISE(ABORT, 'installation_window_engineer_no_overlap')
    WHERE NEW.status = 'accepted' AND EXISTS (
        SELECT 1 FROM {TABLE} AS w
        WHERE w.engineer_id = NEW.engineer_id AND w.status = 'accepted' AND w.id != NEW.id
          AND w.starts_at < NEW.ends_at AND NEW.starts_at < w.ends_at)"""
SQLITE_UP = [
    f"CREATE TRIGGER installation_window_no_overlap_insert BEFORE INSERT ON {TABLE} "
    f"BEGIN {_CLASH}; END",
    f"CREATE TRIGGER installation_window_no_overlap_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN {_CLASH}; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS installation_window_no_overlap_insert",
    "DROP TRIGGER IF EXISTS installation_window_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("releases", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
