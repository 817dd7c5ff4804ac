"""How long raw emails and attachments are kept (docs/security.md, Personal data).

``RAW_EMAIL_RETENTION_DAYS``: a processed email's raw bytes are dropped this many days after
it arrived (the row stays: who sent it, when, what it became); one still waiting in the
quarantine keeps them. ``ATTACHMENT_RETENTION_DAYS``:
the files of a ticket closed this many days ago are deleted, rows and bytes. 0 keeps them
for ever (the default). The nightly task (``tasks.apply_retention``) calls ``apply_retention``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from secondline.mail.models import InboundMessage
from secondline.tickets.models import Attachment

log = logging.getLogger(__name__)

# Done with: a message waiting in the quarantine (quarantined, duplicate, ignored) may still be
# retried or filed by hand, which parses its raw bytes again (``mail.quarantine``).
DONE_WITH = InboundMessage.FINAL.difference(InboundMessage.NOT_FILED)


def apply_retention(now: dt.datetime | None = None) -> dict[str, int]:
    """Drop what is past its retention period; how many raw emails and attachments went."""
    now = now or timezone.now()
    counts = {"raw_emails": 0, "attachments": 0}
    if settings.RAW_EMAIL_RETENTION_DAYS > 0:
        cutoff = now - dt.timedelta(days=settings.RAW_EMAIL_RETENTION_DAYS)
        counts["raw_emails"] = (
            InboundMessage.objects.filter(received_at__lt=cutoff, status__in=DONE_WITH)
            .exclude(raw=b"")
            .update(raw=b"")
        )
    if settings.ATTACHMENT_RETENTION_DAYS > 0:
        cutoff = now - dt.timedelta(days=settings.ATTACHMENT_RETENTION_DAYS)
        old = Attachment.objects.filter(ticket__closed_at__lt=cutoff)
        for attachment in old.iterator(chunk_size=200):
            attachment.file.delete(save=False)
            attachment.delete()
            counts["attachments"] += 1
    if any(counts.values()):
        log.info("retention: dropped %(raw_emails)d raw emails, %(attachments)d files", counts)
    return counts
