"""The team listens to the ticket core: notices and emails for the staff, the automation's
timers (in the change's transaction), and the automatic assignment of a new ticket (after the
filing commits, so that a failure never fails the filing)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from secondline.subscriptions import automation, notices, timers
from secondline.tickets.models import TicketEvent
from secondline.tickets.signals import Change, ticket_changed, ticket_committed


@receiver(ticket_changed, dispatch_uid="subscriptions.tell_the_team")
def tell_the_team(sender: Any, change: Change, **kwargs: Any) -> None:
    notices.on_change(change)
    timers.keep(change)


@receiver(ticket_committed, dispatch_uid="subscriptions.assign_new_tickets")
def assign_new_tickets(sender: Any, change: Change, **kwargs: Any) -> None:
    if change.event.kind == TicketEvent.Kind.CREATED and change.ticket.assignee_id is None:
        automation.auto_assign(change.ticket)
