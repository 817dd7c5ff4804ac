"""Mailbox secrets encrypted at rest (docs/security.md, "Mailbox secrets"): passwords, OAuth2
client secrets, refresh and access tokens are stored as Fernet tokens (``cryptography``:
AES-128-CBC with an HMAC-SHA256, a fresh IV each time) and decrypted only when read.

The keys: ``MAIL_ENCRYPTION_KEYS`` (Fernet keys, comma-separated; the first encrypts, all of
them decrypt), or, without it, a key derived from ``SECRET_KEY`` by HKDF-SHA256, with the
keys derived from ``SECRET_KEY_FALLBACKS`` to decrypt. Rotation is MultiFernet's: put the new
key first, keep the old ones after it until `secondline mail_rekey` has encrypted every
stored secret again with the new one.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.functions import Cast

#: Marks a stored value as encrypted; a value without it was stored before encryption (the
#: migration that encrypts them, mail 0010, leaves none behind).
PREFIX = "fernet:"
#: HKDF's context: a key derived for these secrets is good for nothing else.
INFO = b"secondline mailbox secrets"


class UndecryptableSecret(ImproperlyConfigured):
    """A stored secret that none of the configured keys opens: a key was dropped too soon."""


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from a Django secret key (HKDF-SHA256, 32 bytes)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def configured_keys() -> tuple[str, ...]:
    """The keys in force, the encrypting one first (read at each use: tests change them)."""
    given = tuple(getattr(settings, "MAIL_ENCRYPTION_KEYS", ()) or ())
    if given:
        return given
    secret_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(derived_key(key).decode() for key in secret_keys)


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "MAIL_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 bytes in URL-safe "
            'base64: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())").'
        ) from None


def encrypt(plain: str) -> str:
    return PREFIX + _fernet(configured_keys()).encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """The plain text of a stored value; one stored before encryption is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet(configured_keys()).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UndecryptableSecret(
            "A mailbox secret cannot be decrypted with the keys configured: keep the key it was "
            "encrypted with in MAIL_ENCRYPTION_KEYS (or its SECRET_KEY in SECRET_KEY_FALLBACKS) "
            "until `secondline mail_rekey` has run."
        ) from None


def is_current(stored: str) -> bool:
    """Is ``stored`` empty, or encrypted with the first (encrypting) key?"""
    if not stored:
        return True
    if not stored.startswith(PREFIX):
        return False
    first = _fernet(configured_keys()[:1])
    try:
        first.decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


class EncryptedTextField(models.TextField):
    """Text stored encrypted, read as plain text. The empty value stays empty (a mailbox
    without a password is told apart without a key); a lookup on the column never matches
    (each encryption differs), so nothing filters on it."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value)


def raw(name: str) -> Cast:
    """The column ``name`` as stored (a Cast to plain text: no decryption on reading), for
    checking what the database holds."""
    return Cast(name, output_field=models.TextField())
