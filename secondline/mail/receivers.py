"""Email listens to the ticket core: each announced change queues the notifications it owes."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from secondline.mail import notify
from secondline.tickets.models import TicketEvent
from secondline.tickets.signals import Change, ticket_changed


@receiver(ticket_changed, dispatch_uid="mail.queue_notifications")
def queue_notifications(sender: Any, change: Change, **kwargs: Any) -> None:
    """The outbox rows are written in the change's transaction, so a committed change never
    loses its emails; they are handed to the worker once it commits (``notify``)."""
    filed = change.event.kind == TicketEvent.Kind.CREATED
    notify.ticket_event(
        change.event, comment=change.comment, watchers=change.watchers if filed else None
    )
