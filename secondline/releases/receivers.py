"""The duty roster listens to the ticket core: an Urgent incident pages the engineers on duty."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from secondline.releases import duty
from secondline.tickets.models import TicketEvent
from secondline.tickets.signals import Change, ticket_committed
from secondline.tickets.urgent import is_urgent_incident

# A ticket becomes an Urgent incident when it is filed so, or when its priority is raised.
URGENT_FROM = frozenset({TicketEvent.Kind.CREATED, TicketEvent.Kind.PRIORITY_CHANGED})


@receiver(ticket_committed, dispatch_uid="releases.page_on_duty")
def page_on_duty(sender: Any, change: Change, **kwargs: Any) -> None:
    """Contract rule: an Urgent incident alerts the engineers on duty at once. A failure here
    never fails the filing: the escalation sweep finds urgent incidents nobody was paged for."""
    if change.event.kind in URGENT_FROM and is_urgent_incident(change.ticket):
        duty.on_urgent_incident(change.ticket)
