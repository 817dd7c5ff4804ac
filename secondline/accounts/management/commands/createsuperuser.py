"""Django's ``createsuperuser``, which also checks a password given in the environment.

Django checks a typed password against ``AUTH_PASSWORD_VALIDATORS`` but takes
``DJANGO_SUPERUSER_PASSWORD`` as it is (``--no-input``); a scripted install must not create an
administrator with the password ``password``. This app comes before ``django.contrib.auth`` in
``INSTALLED_APPS`` so that this command is the one that runs.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.contrib.auth.management.commands import createsuperuser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from secondline.accounts.models import User


class Command(createsuperuser.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        stdin: Any = options.get("stdin") or sys.stdin
        if options["interactive"] and not stdin.isatty():
            # Django skips with exit 0 and names manage.py: a script would think it worked.
            raise CommandError(
                "No terminal to ask in: run `secondline createsuperuser` in one, or give "
                "--no-input with --username, --email and DJANGO_SUPERUSER_PASSWORD."
            )
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if not options["interactive"] and password is not None:
            username = options.get("username") or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
            email = options.get("email") or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
            try:
                validate_password(password, User(username=username, email=email))
            except ValidationError as error:
                raise CommandError(
                    "DJANGO_SUPERUSER_PASSWORD: " + " ".join(error.messages)
                ) from None
        super().handle(*args, **options)
