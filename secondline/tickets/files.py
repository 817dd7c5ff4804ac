"""An attachment's file goes with its row.

No channel deletes attachments: the admin is view-only, and a ticket with a history cannot be
deleted (``TicketEvent.ticket`` is PROTECT). A ticket without one (made in a shell or a test)
still takes its attachments along, and the ORM never deletes the files behind FileFields; so
whatever deletes a row, this removes its file once the deletion commits (a rolled-back
deletion keeps it).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from secondline.tickets.models import Attachment


@receiver(post_delete, sender=Attachment, dispatch_uid="tickets.delete_attachment_file")
def delete_attachment_file(sender: Any, instance: Attachment, **kwargs: Any) -> None:
    if instance.file.name:
        transaction.on_commit(partial(instance.file.storage.delete, instance.file.name))
