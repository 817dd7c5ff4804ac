"""An attachment's file goes with its row.

No channel deletes attachments: the admin is view-only, and a ticket with a history cannot be
deleted (``TicketEvent.ticket`` is PROTECT). A ticket without one (made in a shell or a test)
still takes its attachments along, and the ORM never deletes the files behind FileFields; so
whatever deletes a row, this removes its file once the deletion commits (a rolled-back
deletion keeps it).

The other way round, a file is written before its row commits, so a transaction that rolls
back would leave the file behind: ``written`` remembers it until the commit, and
``discard_uncommitted``, called once the transaction is over (after a request, after the mail
intake's transactions), deletes those whose transaction did not commit. A process killed in
between leaves its files to ``sweep_orphans``, run hourly by the worker.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import partial
from typing import Any

from django.core.files.storage import Storage
from django.core.signals import request_finished
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from secondline.tickets.models import Attachment

FOLDER = "attachments"  # models.attachment_path: attachments/<ticket id>/<name>
_local = threading.local()  # a transaction belongs to one thread's connection


def _pending() -> set[tuple[Storage, str]]:
    if not hasattr(_local, "pending"):
        _local.pending = set()
    pending: set[tuple[Storage, str]] = _local.pending
    return pending


def written(file: FieldFile) -> None:
    """A file was just written for a row of the current transaction: it is deleted by
    ``discard_uncommitted`` unless that transaction commits."""
    key = (file.storage, file.name or "")
    _pending().add(key)
    transaction.on_commit(partial(_pending().discard, key))


def discard_uncommitted() -> int:
    """Delete the files whose transaction rolled back; returns how many. Only once no
    transaction is open: until then, an outer transaction may still commit them."""
    if transaction.get_connection().in_atomic_block:
        return 0
    gone = list(_pending())
    _pending().clear()
    for storage, name in gone:
        storage.delete(name)
    return len(gone)


@receiver(request_finished, dispatch_uid="tickets.discard_uncommitted_files")
def discard_after_request(sender: Any, **kwargs: Any) -> None:
    discard_uncommitted()


def sweep_orphans(older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete attachment files no row names that are older than ``older_than`` (younger ones
    may belong to a transaction still open); returns how many."""
    storage = Attachment._meta.get_field("file").storage
    if not storage.exists(FOLDER):
        return 0
    cutoff = timezone.now() - older_than
    deleted = 0
    for folder in storage.listdir(FOLDER)[0]:
        names = [f"{FOLDER}/{folder}/{name}" for name in storage.listdir(f"{FOLDER}/{folder}")[1]]
        known = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name not in known and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                deleted += 1
    return deleted


@receiver(post_delete, sender=Attachment, dispatch_uid="tickets.delete_attachment_file")
def delete_attachment_file(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    if instance.file.name:
        transaction.on_commit(partial(instance.file.storage.delete, instance.file.name))
