"""The SLA sweep: every minute, the tickets whose next at-risk moment or deadline has come
are marked at risk or breached, once per change (``services.advance``, whose event
``receivers`` turns into the alerts).

A ticket is read only when its stored ``sla_next_check_at`` has passed (an index range), so
idle open tickets cost nothing; two sweeps at once never alert twice.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from secondline.sla import clock
from secondline.sla.calendars import calendar_of
from secondline.sla.services import ALERT_STATES, advance, next_check, stored_clocks
from secondline.tickets.models import Ticket


def sweep_candidates(now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """Tickets whose next at-risk moment or deadline has come: an index range on
    ``sla_next_check_at``, so idle open tickets cost the sweep nothing."""
    return (
        Ticket.objects.filter(sla_next_check_at__lte=now or timezone.now())
        .select_related("contract__calendar", "contract__sla_plan")
        .order_by("sla_next_check_at", "pk")
    )


def sweep(now: dt.datetime | None = None, tickets: QuerySet[Ticket] | None = None) -> int:
    """Mark tickets at risk or breached; returns how many this sweep moved (and alerted).

    Runs every minute from celery beat; safe to run twice at once (see ``advance``). Each
    ticket looked at gets its next check moment, so it is not read again before then.
    """
    now = now or timezone.now()
    moved = 0
    for ticket in sweep_candidates(now) if tickets is None else tickets:
        clocks = stored_clocks(ticket)
        new = clock.ticket_state(calendar_of(ticket.contract), clocks or [], ticket.status, now)
        if new in ALERT_STATES and new != ticket.sla_state:
            moved += advance(ticket, ticket.sla_state, new)
        # Conditional: a change recomputed meanwhile has set a newer moment; keep it.
        Ticket.objects.filter(pk=ticket.pk, sla_next_check_at=ticket.sla_next_check_at).update(
            sla_next_check_at=next_check(ticket, clocks, now)
        )
    return moved
