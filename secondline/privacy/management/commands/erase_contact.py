"""``secondline erase-contact EMAIL --reason WHY [--by USERNAME]``: erase a contact's data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from secondline.accounts.models import User
from secondline.privacy.erasure import erase_contact
from secondline.tickets.choices import Channel


class Command(BaseCommand):
    help = "Erase a customer contact's personal data (152-FZ) and record the erasure."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Its usage names the command as people type it: ``secondline erase-contact``."""
        return super().create_parser(prog_name, "erase-contact", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the contact's email address")
        parser.add_argument("--reason", required=True, help="why; kept with the record")
        parser.add_argument("--by", default="", help="the username of who asked for it")

    def handle(self, *args: Any, email: str, reason: str, by: str, **options: Any) -> None:
        contact = User.objects.filter(email__iexact=email.strip()).first()
        if contact is None:
            raise CommandError(f"No user has the address {email!r}.")
        operator = User.objects.filter(username=by).first() if by else None
        if by and operator is None:
            raise CommandError(f"No user is called {by!r} (--by).")
        try:
            erasure = erase_contact(contact, by=operator, reason=reason, channel=Channel.CLI)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        counts = ", ".join(f"{name} {count}" for name, count in sorted(erasure.counts.items()))
        self.stdout.write(f"Erasure #{erasure.pk}: {erasure.contact.username}; {counts}.")
