"""Keep each ticket's SLA deadlines and state current as the support rules change the ticket.

The arithmetic is pure (``secondline.sla.clock`` on the contract's business calendar); this
module reads the ticket's history, stores the result on the ticket row (so queues sort and
filter by it) and raises the alarm, once per change, when a ticket becomes at risk or breached.

Contract rules: the reaction clock runs from filing to the first public answer or acceptance by
the contractor; the resolution clock (when the plan sets one) runs to the resolution; both stop
while the ticket waits for the customer; declined tickets never count.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, User
from secondline.sla import clock, wording
from secondline.sla.calendars import calendar_of
from secondline.sla.clock import Clock, State
from secondline.sla.explain import explain
from secondline.sla.ticket_clocks import clocks_of, minutes, target_for
from secondline.tickets import events
from secondline.tickets.choices import Priority, Status
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import announce

SLAState = State  # the name the rest of the code base knows
ALERT_STATES = frozenset({State.AT_RISK, State.BREACHED})
SWEPT_STATES = (State.ON_TRACK, State.AT_RISK)


def due_for(
    contract: Contract, ticket_type: str, priority: str, created_at: dt.datetime
) -> dt.datetime | None:
    """The reaction deadline of a ticket filed at ``created_at``: that moment plus the plan's
    reaction target in business time of the contract's calendar; None without a target."""
    target = contract.sla_plan.target_for(ticket_type, priority)
    if target is None:
        return None
    return calendar_of(contract).add(created_at, dt.timedelta(minutes=target.reaction_minutes))


class InitialFields(TypedDict):
    reaction_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    sla_state: str
    sla_next_check_at: dt.datetime | None


def initial_fields(
    contract: Contract, ticket_type: str, priority: str, created_at: dt.datetime
) -> InitialFields:
    """The SLA fields a ticket is filed with: its deadlines and "on track" (or "" without a
    target in the plan)."""
    target = contract.sla_plan.target_for(ticket_type, priority)
    if target is None:
        return {
            "reaction_due_at": None,
            "resolution_due_at": None,
            "sla_state": State.NONE,
            "sla_next_check_at": None,
        }
    calendar = calendar_of(contract)
    reaction = Clock(
        dt.timedelta(minutes=target.reaction_minutes),
        calendar.add(created_at, dt.timedelta(minutes=target.reaction_minutes)),
    )
    clocks = [reaction]
    resolution = minutes(target.resolution_minutes)
    if resolution:
        clocks.append(Clock(resolution, calendar.add(created_at, resolution)))
    return {
        "reaction_due_at": reaction.due,
        "resolution_due_at": clocks[1].due if resolution else None,
        "sla_state": State.ON_TRACK,
        "sla_next_check_at": clock.next_change(calendar, clocks, created_at),
    }


# Between two sweeps a reaction deadline can pass unnoticed in the stored state; pages that
# list tickets read it through these two, the same rule in SQL and in Python.
_STATES_WITHOUT_A_RUNNING_REACTION = (State.NONE, State.MET, State.PAUSED)


def reaction_overdue(now: dt.datetime) -> Q:
    """No reaction yet and its deadline passed while the clock ran: breached, swept or not."""
    return Q(
        first_reaction_at__isnull=True,
        sla_paused_since__isnull=True,
        reaction_due_at__lt=now,
    ) & ~Q(sla_state__in=_STATES_WITHOUT_A_RUNNING_REACTION)


def is_reaction_overdue(ticket: Ticket, now: dt.datetime) -> bool:
    """``reaction_overdue`` for one ticket already in memory."""
    return (
        ticket.first_reaction_at is None
        and ticket.sla_paused_since is None
        and ticket.reaction_due_at is not None
        and ticket.reaction_due_at < now
        and ticket.sla_state not in _STATES_WITHOUT_A_RUNNING_REACTION
    )


def stored_clocks(ticket: Ticket) -> list[Clock] | None:
    """The clocks from the deadlines stored on the row; None without a target."""
    target = target_for(ticket)
    if target is None or ticket.reaction_due_at is None:
        return None
    clocks = [
        Clock(
            dt.timedelta(minutes=target.reaction_minutes),
            ticket.reaction_due_at,
            ticket.first_reaction_at,
        )
    ]
    if target.resolution_minutes is not None and ticket.resolution_due_at is not None:
        clocks.append(
            Clock(dt.timedelta(minutes=target.resolution_minutes), ticket.resolution_due_at)
        )
    if target.update_minutes and ticket.update_due_at is not None:
        clocks.append(Clock(dt.timedelta(minutes=target.update_minutes), ticket.update_due_at))
    return clocks


def stored_state(ticket: Ticket, now: dt.datetime) -> str:
    """The state at ``now`` from the deadlines stored on the row: what the sweep checks on a
    ticket whose clocks are running (no history needed, as nothing stops them before ``now``)."""
    clocks = stored_clocks(ticket)
    if clocks is None:
        return State.NONE
    return clock.ticket_state(calendar_of(ticket.contract), clocks, ticket.status, now)


def next_check(ticket: Ticket, clocks: list[Clock] | None, now: dt.datetime) -> dt.datetime | None:
    """When the sweep must look at the ticket again: the next at-risk moment or deadline of
    its running clocks; None while they stand still or once it is breached."""
    if not clocks or ticket.status not in clock.RUNNING_STATUSES:
        return None
    if ticket.sla_state not in SWEPT_STATES:
        return None
    return clock.next_change(calendar_of(ticket.contract), clocks, now)


# -- keeping the row current ------------------------------------------------------------------


def recompute(ticket: Ticket, now: dt.datetime | None = None) -> None:
    """Recompute deadlines and state from the filing, e.g. after a priority change; call it
    inside the transaction that changed the ticket."""
    now = now or timezone.now()
    result = clocks_of(ticket, now)
    ticket.reaction_due_at = result.reaction.due if result.reaction else None
    ticket.resolution_due_at = result.resolution.due if result.resolution else None
    ticket.update_due_at = result.next_update.due if result.next_update else None
    ticket.sla_paused_since = result.paused_since
    ticket.sla_paused_seconds = result.paused_seconds
    advance(ticket, ticket.sla_state, result.state)
    running = [c for c in result.all() if c.reached_at is None]
    ticket.sla_next_check_at = next_check(ticket, running, now)
    Ticket.objects.filter(pk=ticket.pk).update(
        reaction_due_at=ticket.reaction_due_at,
        resolution_due_at=ticket.resolution_due_at,
        update_due_at=ticket.update_due_at,
        first_reaction_at=ticket.first_reaction_at,
        sla_paused_since=ticket.sla_paused_since,
        sla_paused_seconds=ticket.sla_paused_seconds,
        sla_next_check_at=ticket.sla_next_check_at,
    )


def start_clocks(ticket: Ticket) -> None:
    """A ticket about to be filed gets its deadlines and "on track" (or no state without a
    target in the plan), written with the row itself (``receivers.start_clocks``)."""
    fields = initial_fields(ticket.contract, ticket.type, ticket.priority, ticket.created_at)
    for name, value in fields.items():
        setattr(ticket, name, value)


def is_first_reaction(event: TicketEvent) -> bool:
    """Contract rule: the contractor's first public answer, or its first status move out of
    "new" (acceptance, a question to the customer, a resolution), is its reaction."""
    ticket = event.ticket
    if ticket.first_reaction_at is not None or event.actor is None:
        return False
    if not event.actor.is_contractor:
        return False
    if event.kind == TicketEvent.Kind.COMMENTED:
        return is_contractor_answer(event)
    return event.kind == TicketEvent.Kind.STATUS_CHANGED and event.old_value == Status.NEW


def is_contractor_answer(event: TicketEvent) -> bool:
    """A comment the customer can read, written by the contractor's staff: what counts as a
    reaction and as an update the contract owes."""
    return event.is_public and event.actor is not None and event.actor.is_contractor


# -- state changes, once each -----------------------------------------------------------------


def advance(ticket: Ticket, old: str, new: str) -> bool:
    """Move the ticket from state ``old`` to ``new`` unless someone else moved it first.

    The conditional update is the claim: when two sweeps (or a sweep and a service call) race,
    only the one whose update matched records the change and sends the alert.
    """
    if old == new:
        ticket.sla_state = new
        return False
    with transaction.atomic():
        won = Ticket.objects.filter(pk=ticket.pk, sla_state=old).update(sla_state=new) == 1
        if not won:
            return False
        ticket.sla_state = new
        if new in ALERT_STATES:
            announce(events.sla_changed(ticket, old, new))  # receivers.py sends the alerts
    return True


def alert_recipients(ticket: Ticket) -> list[User]:
    """The assignee and the contractor's managers, each once, if they can receive email."""
    people = {user.pk: user for user in User.objects.filter(role=User.Role.MANAGER, is_active=True)}
    assignee = ticket.assignee
    if assignee is not None and assignee.is_active:
        people[assignee.pk] = assignee
    return [person for person in people.values() if person.email]


# -- explanations ----------------------------------------------------------------------------


def explanation(ticket: Ticket, now: dt.datetime | None = None) -> str:
    """Why the ticket's deadlines are what they are, in the active language: the reaction
    deadline day by day, then the first reaction and the resolution deadline, if any."""
    if ticket.status == Status.DECLINED:
        return _("Declined tickets do not count against the SLA.")
    now = now or timezone.now()
    result = clocks_of(ticket, now)
    if result.reaction is None:
        return _("The SLA plan sets no target for this type and priority.")
    calendar = calendar_of(ticket.contract)
    reaction = result.reaction
    lines = [wording.sentence(explain(calendar, result.reaction_spans, reaction.due))]
    if ticket.first_reaction_at is not None:
        reacted = wording.moment_label(ticket.first_reaction_at.astimezone(calendar.tz))
        if ticket.first_reaction_at <= reaction.due:
            lines.append(_("first reaction %(when)s, in time") % {"when": reacted})
        else:
            late = wording.duration_label(calendar.between(reaction.due, ticket.first_reaction_at))
            lines.append(
                _("first reaction %(when)s, %(late)s late") % {"when": reacted, "late": late}
            )
        if result.reaction_judged_by:
            lines.append(
                _("judged by the target of the priority then in force (%(priority)s)")
                % {"priority": Priority(result.reaction_judged_by).label}
            )
    if result.paused_since is not None:
        since = wording.moment_label(result.paused_since.astimezone(calendar.tz))
        lines.append(_("clock stopped since %(when)s: waiting for the customer") % {"when": since})
    if result.resolution is not None:
        due = wording.moment_label(result.resolution.due.astimezone(calendar.tz))
        lines.append(_("resolution due %(when)s") % {"when": due})
    return "; ".join(lines)
