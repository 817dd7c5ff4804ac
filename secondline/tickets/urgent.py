"""What makes a ticket urgent: an Incident with the Urgent priority. The customer files it,
then phones the support line (the steps are shown by the portal and the API, from releases)."""

from __future__ import annotations

from secondline.tickets.choices import Priority, TicketType
from secondline.tickets.models import Ticket


def is_urgent_incident(ticket: Ticket) -> bool:
    return ticket.type == TicketType.INCIDENT and ticket.priority == Priority.URGENT
