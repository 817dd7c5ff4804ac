"""`secondline mail_rekey`: the mailboxes' secrets encrypted again under the first key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from secondline.mail import secrets


class Command(BaseCommand):
    help = (
        "Encrypt every mailbox's password and OAuth2 tokens again with the first key of "
        "MAIL_ENCRYPTION_KEYS (or the key derived from SECRET_KEY); run it after adding a new "
        "key, then drop the old one (docs/security.md, Mailbox secrets)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = secrets.rekey()
        except ImproperlyConfigured as exc:  # a key that is none, or one that opens nothing
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{written} mailboxes encrypted again with the current key.")
