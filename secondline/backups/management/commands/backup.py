"""`secondline backup FILE`: the database, the attachments and the secret key in one archive."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from secondline.backups import services
from secondline.backups.archive import BackupError


@contextmanager
def said_in_one_line(verb: str) -> Iterator[None]:
    """Any failure becomes a CommandError: one line on stderr, exit code 1, no traceback."""
    try:
        yield
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except Exception as exc:  # a disk, a permission, a database: say what, not where
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise CommandError(f"{verb} failed: {reason}") from None


class Command(BaseCommand):
    help = (
        "Write the database, the attachments (MEDIA_ROOT's files, or the bucket's with "
        "STORAGE_BUCKET) and the generated secret key into one .tar.gz with a checksummed "
        "manifest (docs/production.md, Backups)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to write, e.g. secondline-2026-05-01.tar.gz")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help=f"(default: {DEFAULT_DB_ALIAS})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with said_in_one_line("The backup"):
            manifest = services.back_up(Path(options["file"]), options["database"])
        rows = sum(manifest["tables"].values())
        vanished = len(manifest["vanished"])
        skipped = f" ({vanished} deleted while the backup ran, skipped)" if vanished else ""
        self.stdout.write(
            f"Backed up {rows} rows in {len(manifest['tables'])} tables and "
            f"{len(manifest['files'])} files{skipped} to {options['file']}."
        )
        if services.SECRET_KEY not in {member["path"] for member in manifest["files"]}:
            self.stdout.write(
                "The secret key is not in the archive (SECRET_KEY comes from the environment): "
                "keep it with your other secrets; the mailbox secrets need it."
            )
