"""``secondline export-organization ORGANISATION FILE``: the organisation's data as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from secondline.accounts.models import Organization
from secondline.common.ids import row_named
from secondline.privacy.export import organization_export


class Command(BaseCommand):
    help = "Write an organisation's tickets, comments, file list and contacts to a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="its name or number (id)")
        parser.add_argument("file", help="where to write the JSON (readable by its owner only)")

    def handle(self, *args: Any, organization: str, file: str, **options: Any) -> None:
        found = Organization.objects.filter(name=organization).first()
        if found is None:
            found = row_named(Organization.objects.all(), organization)
        if found is None:
            raise CommandError(f"No organisation is called or numbered {organization!r}.")
        data = json.dumps(organization_export(found, None), cls=DjangoJSONEncoder, indent=1)
        path = Path(file)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as output:
                output.write(data)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stdout.write(f"{found.name}: {len(json.loads(data)['tickets'])} tickets → {path}")
