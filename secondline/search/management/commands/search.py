"""`secondline search reindex`: rebuild every ticket's search document (after a bulk import,
or tickets written past the services)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from secondline.search import documents
from secondline.tickets.models import Ticket


class Command(BaseCommand):
    help = "Full-text search: `search reindex` rebuilds every ticket's search document."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("reindex", help="rebuild every ticket's search document")

    def handle(self, *args: Any, **options: Any) -> None:
        count = documents.rebuild(Ticket.objects.all())
        self.stdout.write(f"{count} tickets indexed.")
