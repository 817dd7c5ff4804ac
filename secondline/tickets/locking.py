"""The ticket row a verb changes, locked for its transaction."""

from __future__ import annotations

from secondline.tickets.models import Ticket


def locked(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for this transaction; the requester and the assignee come
    along for the notifications, the contract with its calendar and plan for the SLA clocks
    that a change may recompute; only the ticket's row is locked."""
    rows = Ticket.objects.select_for_update(of=("self",)).select_related(
        "requester", "assignee", "contract__calendar", "contract__sla_plan"
    )
    try:
        return rows.get(pk=ticket.pk)  # one row: no ORDER BY to build (``first`` adds one)
    except Ticket.DoesNotExist:
        raise Ticket.DoesNotExist(f"ticket {ticket.pk} no longer exists") from None
