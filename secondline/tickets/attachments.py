"""Files on a ticket: what a channel hands over (``UploadedFile``), the size limit, storing
through Django's storage, and attaching a file on its own."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from secondline.accounts.models import User
from secondline.tickets import events, files
from secondline.tickets.choices import Channel
from secondline.tickets.locking import locked
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent
from secondline.tickets.signals import announce


@dataclass
class UploadedFile:
    """A file on its way to becoming an attachment, from any channel."""

    name: str
    content: File
    size: int
    content_type: str = ""
    content_id: str = ""


def check_size(upload: UploadedFile) -> None:
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "files": [
                    _("“%(name)s” is larger than the limit of %(limit)s MB.")
                    % {"name": upload.name, "limit": limit // (1024 * 1024)}
                ]
            }
        )


def store_attachment(
    ticket: Ticket,
    uploader: User,
    upload: UploadedFile,
    channel: str,
    *,
    public: bool,
    comment: Comment | None = None,
) -> tuple[Attachment, TicketEvent]:
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        uploaded_by=uploader,
        filename=upload.name[:255] or "attachment",
        content_type=upload.content_type[:150],
        size=upload.size,
        content_id=upload.content_id[:250],
        is_public=public,
    )
    attachment.file.save(attachment.filename, upload.content, save=False)
    files.written(attachment.file)  # deleted again should the transaction roll back
    attachment.save()
    return attachment, events.attached(ticket, uploader, channel, attachment.filename, public)


def add_attachment(
    ticket: Ticket,
    uploader: User,
    upload: UploadedFile,
    *,
    public: bool = True,
    channel: str = Channel.WEB,
) -> Attachment:
    """Attach a file of any type up to the size limit, stored through Django's storage."""
    if not uploader.is_contractor:
        public = True
    check_size(upload)
    with transaction.atomic():
        ticket = locked(ticket)
        attachment, event = store_attachment(ticket, uploader, upload, channel, public=public)
        ticket.save(update_fields=["updated_at"])
        announce(event)
    return attachment
