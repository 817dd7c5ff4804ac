"""`secondline restore FILE [--force]`: put back what `secondline backup` wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from secondline.backups import database, services
from secondline.backups.management.commands.backup import said_in_one_line


class Command(BaseCommand):
    help = (
        "Restore a `secondline backup` archive: the database, the attachments (into MEDIA_ROOT, "
        "or the bucket with STORAGE_BUCKET) and the secret key. "
        "Refuses a damaged archive, another database vendor's, a newer SecondLine's, and a "
        "database or file storage in use unless --force. Stop SecondLine first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive `secondline backup` wrote")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database and file storage that are in use",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help=f"(default: {DEFAULT_DB_ALIAS})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        with said_in_one_line("The restore"):
            manifest = services.restore(Path(options["file"]), force=options["force"], alias=alias)
            counts = database.row_counts(alias)
        expected = manifest["tables"]
        self.stdout.write(
            f"Restored {sum(expected.values())} rows in {len(expected)} tables and "
            f"{len(manifest['files'])} files from {options['file']} "
            f"(backed up {manifest['created_at']})."
        )
        for note in manifest["notes"]:
            self.stderr.write(note)
        for table in sorted(t for t in expected if counts.get(t) != expected[t]):
            # Only a PostgreSQL backup of a running system may differ: see database.dump.
            self.stderr.write(
                f"Note: {table} has {counts.get(table, 0)} rows; the manifest counted "
                f"{expected[table]} when the backup began."
            )
