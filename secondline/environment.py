"""Reading settings from the environment: typed values that refuse a typo, and the secret key
generated into the data folder on the first start (docs/security.md, "Secrets")."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Collection
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        # A typo must not silently turn a security setting off.
        raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false, yes/no, on/off).")
    return value in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envurl(name: str, default: str, schemes: Collection[str], example: str) -> str:
    """A URL whose scheme is one of ``schemes``, or ``default`` when unset or blank. A value
    without a known scheme (``localhost:6379``) would pass the start and fail only when the
    first request uses it. The value is never repeated in the error: it may hold a password.
    Several URLs separated by ``;`` (a broker's fail-over list) are each checked; a scheme
    such as ``redis+socket`` is checked by its first word."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    for url in value.split(";"):
        scheme, separator, _rest = url.strip().partition("://")
        if not separator or scheme.split("+")[0] not in schemes:
            listed = ", ".join(f"{known}://" for known in sorted(schemes))
            listed = f" (starting {listed})" if len(schemes) <= 5 else ""
            got = f"got {scheme}://, which is unknown" if separator else "got no scheme"
            raise ImproperlyConfigured(f"{name} must be a URL such as {example}{listed}; {got}.")
    return value


MIN_SECRET_KEY_LENGTH = 50  # what `check --deploy` asks for (security.W009)


def load_or_create_secret_key(path: Path) -> str:
    """The key in ``path``, generated there (mode 0600) on the first start.

    The web process, the worker and the CLI all read the same file. The key is written to a
    private temporary file first and then hard-linked into place, which fails if the file
    exists: two processes starting at once never see a half-written key, and the loser of the
    race reads the winner's key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            with os.fdopen(descriptor, "w") as file:  # mkstemp creates it with mode 0600
                file.write(secrets.token_urlsafe(64))
                file.flush()
                os.fsync(file.fileno())
            # Another process that started at the same moment may have won: use its key.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"The secret key in {path} is shorter than {MIN_SECRET_KEY_LENGTH} characters. "
            "Delete the file to generate a new one (signed links and sessions then expire), "
            "or set SECRET_KEY."
        )
    return key
