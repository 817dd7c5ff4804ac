"""Mailbox secrets under a new key: `secondline mail_rekey` (crypto.py, docs/security.md)."""

from __future__ import annotations

from django.db import transaction

from secondline.mail import crypto
from secondline.mail.models import Mailbox

#: The mailbox's columns stored encrypted: those declared as crypto.EncryptedTextField.
SECRET_FIELDS = tuple(
    field.name
    for field in Mailbox._meta.concrete_fields
    if isinstance(field, crypto.EncryptedTextField)
)


def rekey() -> int:
    """Encrypt every mailbox's secrets again with the first key of ``MAIL_ENCRYPTION_KEYS``
    (or the one derived from the current SECRET_KEY), after which the older keys may go.
    Returns how many mailboxes were written; one already under the first key is left alone."""
    written = 0
    with transaction.atomic():
        for pk in Mailbox.objects.order_by("pk").values_list("pk", flat=True):
            stored = Mailbox.objects.select_for_update().filter(pk=pk)
            # read the columns as stored (a Cast to plain text skips the decryption)
            raw = stored.values_list(*(crypto.raw(name) for name in SECRET_FIELDS)).first()
            if raw is None or all(crypto.is_current(value or "") for value in raw):
                continue
            mailbox = stored.get()  # decrypted with whichever key opens it
            mailbox.save(update_fields=list(SECRET_FIELDS))  # encrypted with the first
            written += 1
    return written
