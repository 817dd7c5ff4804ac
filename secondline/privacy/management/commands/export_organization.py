"""``secondline export-organization ORGANISATION FILE``: the organisation's data as JSON."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from secondline.accounts.models import Organization
from secondline.common.files import written_whole
from secondline.common.ids import row_named
from secondline.privacy.export import organization_export


class Command(BaseCommand):
    help = "Write an organisation's tickets, comments, file list and contacts to a JSON file."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Its usage names the command as people type it: ``secondline export-organization``."""
        return super().create_parser(prog_name, "export-organization", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="its name or number (id)")
        parser.add_argument("file", help="where to write the JSON (readable by its owner only)")

    def handle(self, *args: Any, organization: str, file: str, **options: Any) -> None:
        found = Organization.objects.filter(name=organization).first()
        if found is None:
            found = row_named(Organization.objects.all(), organization)
        if found is None:
            raise CommandError(f"No organisation is called or numbered {organization!r}.")
        path = Path(file)
        refuse_unless_a_file(path)
        export = organization_export(found, None)
        try:
            write_privately(path, export)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stdout.write(f"{found.name}: {len(export['tickets'])} tickets → {path}")


def refuse_unless_a_file(path: Path) -> None:
    """A FIFO, a device or a folder at ``path`` is never replaced by the export."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
    if not stat.S_ISREG(mode):
        raise CommandError(f"Cannot write {path}: it is not a regular file.")


def write_privately(path: Path, export: dict[str, Any]) -> None:
    """Write ``export`` to ``path`` as JSON, mode 0600 whatever ``path`` had (docs/security.md,
    Personal data); a full disk or any other failure leaves a previous export as it was."""
    with written_whole(path, "w", encoding="utf-8") as output:
        json.dump(export, output, cls=DjangoJSONEncoder, indent=1)
