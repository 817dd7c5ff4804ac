"""Keep each ticket's SLA state current as the support rules change the ticket.

The arithmetic is business time on the contract's calendar (secondline.calendar); this module
only decides when to recompute and stores the result on the ticket row.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from secondline.accounts.models import Contract, User
from secondline.sla.calendars import business_calendar
from secondline.sla.models import ReactionTarget
from secondline.tickets.choices import Status
from secondline.tickets.models import Ticket


class SLAState:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"
    NONE = ""


AT_RISK_SHARE = 0.8  # a ticket is at risk once 80 % of its reaction target has elapsed


def target_for(ticket: Ticket) -> ReactionTarget | None:
    return ticket.contract.sla_plan.target_for(ticket.type, ticket.priority)


def due_for(
    contract: Contract,
    ticket_type: str,
    priority: str,
    created_at: dt.datetime,
    paused_seconds: int = 0,
) -> dt.datetime | None:
    """Creation time plus the reaction target, in business time, plus any paused time."""
    target = contract.sla_plan.target_for(ticket_type, priority)
    if target is None:
        return None
    calendar = business_calendar(contract.calendar)
    budget = dt.timedelta(minutes=target.reaction_minutes, seconds=paused_seconds)
    return calendar.add(created_at, budget)


def reaction_due(ticket: Ticket) -> dt.datetime | None:
    return due_for(
        ticket.contract, ticket.type, ticket.priority, ticket.created_at, ticket.sla_paused_seconds
    )


def initial_state(
    contract: Contract, ticket_type: str, priority: str, created_at: dt.datetime
) -> tuple[dt.datetime | None, str]:
    """The reaction deadline and SLA state a ticket is filed with."""
    due = due_for(contract, ticket_type, priority, created_at)
    return due, (SLAState.ON_TRACK if due is not None else SLAState.NONE)


def state_at(ticket: Ticket, now: dt.datetime) -> str:
    if ticket.status == Status.DECLINED or ticket.reaction_due_at is None:
        return SLAState.NONE
    due = ticket.reaction_due_at
    if ticket.first_reaction_at is not None:
        return SLAState.MET if ticket.first_reaction_at <= due else SLAState.BREACHED
    if ticket.sla_paused_since is not None:
        return SLAState.PAUSED
    if now > due:
        return SLAState.BREACHED
    calendar = business_calendar(ticket.contract.calendar)
    total = calendar.between(ticket.created_at, due)
    elapsed = calendar.between(ticket.created_at, now)
    if total.total_seconds() > 0 and elapsed >= total * AT_RISK_SHARE:
        return SLAState.AT_RISK
    return SLAState.ON_TRACK


def _store(ticket: Ticket) -> None:
    ticket.sla_state = state_at(ticket, timezone.now())
    Ticket.objects.filter(pk=ticket.pk).update(
        reaction_due_at=ticket.reaction_due_at,
        first_reaction_at=ticket.first_reaction_at,
        sla_state=ticket.sla_state,
        sla_paused_since=ticket.sla_paused_since,
        sla_paused_seconds=ticket.sla_paused_seconds,
    )


def recompute(ticket: Ticket) -> None:
    """Recompute from creation, e.g. after a priority change."""
    ticket.reaction_due_at = reaction_due(ticket)
    _store(ticket)


def on_contractor_reaction(ticket: Ticket) -> None:
    """The contractor's first public answer or acceptance is its reaction."""
    if ticket.first_reaction_at is None:
        ticket.first_reaction_at = timezone.now()
        _store(ticket)


def on_status_changed(ticket: Ticket, old_status: str, actor: User) -> None:
    now = timezone.now()
    if actor.is_contractor and old_status == Status.NEW and ticket.first_reaction_at is None:
        ticket.first_reaction_at = now
    if ticket.status == Status.WAITING_FOR_CUSTOMER and ticket.sla_paused_since is None:
        ticket.sla_paused_since = now
    elif old_status == Status.WAITING_FOR_CUSTOMER and ticket.sla_paused_since is not None:
        calendar = business_calendar(ticket.contract.calendar)
        paused = calendar.between(ticket.sla_paused_since, now)
        ticket.sla_paused_seconds += max(0, int(paused.total_seconds()))
        ticket.sla_paused_since = None
        ticket.reaction_due_at = reaction_due(ticket)
    _store(ticket)


def on_declined(ticket: Ticket) -> None:
    """Contract rule: declined tickets never count against the SLA."""
    ticket.sla_state = SLAState.NONE
    Ticket.objects.filter(pk=ticket.pk).update(sla_state=SLAState.NONE)
