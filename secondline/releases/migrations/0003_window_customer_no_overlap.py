"""Two accepted installation windows of one customer never overlap, whoever holds them.

The window gets its plan's customer (filled in for the existing rows), and the database
refuses an overlap as it does for one engineer (migration 0002): an exclusion constraint on
PostgreSQL, triggers on SQLite; other databases rely on the service-layer check alone. The plan
gets the reason an installation was recorded outside its agreed window or as a downgrade.
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# SQLite rebuilds the table to make the new column required, which drops the triggers of
# migration 0002: they are created again below (and so must be by any later rebuild).
ENGINEER = import_module("secondline.releases.migrations.0002_window_no_overlap")

TABLE = "releases_installationwindow"

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE {TABLE} ADD CONSTRAINT installation_window_customer_no_overlap
        EXCLUDE USING gist (customer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status = 'accepted')""",
]
POSTGRES_DOWN = [
    f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS installation_window_customer_no_overlap"
]

_CLASH = f"""SELECT RAISE(ABORT, 'installation_window_customer_no_overlap')
    WHERE NEW.status = 'accepted' AND EXISTS (
        SELECT 1 FROM {TABLE} AS w
        WHERE w.customer_id = NEW.customer_id AND w.status = 'accepted' AND w.id != NEW.id
          AND w.starts_at < NEW.ends_at AND NEW.starts_at < w.ends_at)"""
SQLITE_UP = [
    *ENGINEER.SQLITE_DOWN,
    *ENGINEER.SQLITE_UP,
    f"CREATE TRIGGER installation_window_customer_no_overlap_insert BEFORE INSERT ON {TABLE} "
    f"BEGIN {_CLASH}; END",
    f"CREATE TRIGGER installation_window_customer_no_overlap_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN {_CLASH}; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS installation_window_customer_no_overlap_insert",
    "DROP TRIGGER IF EXISTS installation_window_customer_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def fill_customers(apps, schema_editor):
    Window = apps.get_model("releases", "InstallationWindow")
    for window in Window.objects.select_related("plan__installation__contract").iterator():
        window.customer_id = window.plan.installation.contract.customer_id
        window.save(update_fields=["customer"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("releases", "0002_window_no_overlap"),
    ]

    operations = [
        # Undone last: the rebuilds of the reverse drop the triggers of 0002; put them back.
        migrations.RunPython(
            migrations.RunPython.noop,
            _run({"sqlite": [*ENGINEER.SQLITE_DOWN, *ENGINEER.SQLITE_UP]}),
        ),
        migrations.AddField(
            model_name="updateplan",
            name="override_reason",
            field=models.TextField(
                blank=True,
                help_text="Given by the engineer; shown on the ticket and on the statement.",
                verbose_name="reason for installing outside the agreed window or downgrading",
            ),
        ),
        migrations.AddField(
            model_name="installationwindow",
            name="customer",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organization",
                verbose_name="customer",
            ),
        ),
        migrations.RunPython(fill_customers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="installationwindow",
            name="customer",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organization",
                verbose_name="customer",
            ),
        ),
        migrations.AddIndex(
            model_name="installationwindow",
            index=models.Index(
                fields=["customer", "status", "starts_at"], name="releases_in_custome_14900f_idx"
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
