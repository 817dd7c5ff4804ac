"""The clocks of one ticket, counted afresh from its filing and its audit trail: the reaction,
the resolution (when the plan sets one) and each update owed (``services`` stores them on the
ticket row; ``report`` judges a month by them).

Contract rules: the reaction clock runs from filing to the first public answer or acceptance by
the contractor; the resolution clock to the resolution; both stop while the ticket waits for
the customer; a wrong priority never counts against the contractor (``clock.goal_clock``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from secondline.accounts.models import User
from secondline.calendar import BusinessCalendar
from secondline.sla import clock
from secondline.sla.calendars import calendar_of
from secondline.sla.clock import Clock
from secondline.sla.models import ReactionTarget
from secondline.tickets.choices import Status
from secondline.tickets.models import Comment, Ticket, TicketEvent


def target_for(ticket: Ticket) -> ReactionTarget | None:
    return ticket.contract.sla_plan.target_for(ticket.type, ticket.priority)


def minutes(value: int | None) -> dt.timedelta | None:
    return None if value is None else dt.timedelta(minutes=value)


def _trail(ticket: int) -> QuerySet[TicketEvent, tuple[dt.datetime, str, str, str]]:
    """The status moves and priority corrections of the ticket, in one query."""
    return (
        TicketEvent.objects.filter(ticket_id=ticket)
        .filter(Q(field="status") | Q(kind=TicketEvent.Kind.PRIORITY_CHANGED))
        .exclude(kind=TicketEvent.Kind.CREATED)
        .order_by("created_at", "id")
        .values_list("created_at", "kind", "old_value", "new_value")
    )


@dataclass(frozen=True)
class History:
    """What the clocks need of a ticket's audit trail, each list in time order and starting
    with the filing: its statuses and its priorities."""

    statuses: list[tuple[dt.datetime, str]]
    priorities: list[tuple[dt.datetime, str]]


def history(ticket: Ticket) -> History:
    """The ticket's statuses and priorities from its audit trail, starting with its filing
    (the priority it was filed with is the one the first correction replaced)."""
    statuses = [(ticket.created_at, str(Status.NEW))]
    priorities: list[tuple[dt.datetime, str]] = []
    for at, kind, old, new in _trail(ticket.pk):
        at = max(at, ticket.created_at)
        if kind != TicketEvent.Kind.PRIORITY_CHANGED:
            statuses.append((at, new))
            continue
        if not priorities:
            priorities.append((ticket.created_at, old))
        priorities.append((at, new))
    return History(statuses, priorities or [(ticket.created_at, ticket.priority)])


def status_history(ticket: Ticket) -> list[tuple[dt.datetime, str]]:
    """The ticket's statuses in time order, from its audit trail, starting with its filing."""
    return history(ticket).statuses


def _finished_at(ticket: Ticket) -> dt.datetime | None:
    """When the ticket left the contractor's hands for good, if it did."""
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        return ticket.resolved_at or ticket.closed_at or ticket.updated_at
    return None


@dataclass(frozen=True)
class Clocks:
    """A ticket's SLA clocks at a moment, with the spans each ran on (for explanations)."""

    reaction: Clock | None
    reaction_spans: list[clock.Span]
    resolution: Clock | None
    resolution_spans: list[clock.Span]
    updates: list[Clock]
    state: str
    paused_since: dt.datetime | None
    paused_seconds: int
    #: The earlier priority whose target the reaction, reached, is judged by ("" for the
    #: current one): the priority was corrected after the reaction (``clock.goal_clock``).
    reaction_judged_by: str = ""

    def all(self) -> list[Clock]:
        return [c for c in (self.reaction, self.resolution) if c is not None] + self.updates

    @property
    def next_update(self) -> Clock | None:
        """The update the contractor owes now, if the plan sets an interval."""
        running = [c for c in self.updates if c.reached_at is None]
        return running[-1] if running else None


def clocks_of(ticket: Ticket, now: dt.datetime) -> Clocks:
    """Recompute the ticket's deadlines from its filing and its status history; a goal
    already reached is judged by the priority in force then or the current one
    (``clock.goal_clock``)."""
    calendar = calendar_of(ticket.contract)
    target = target_for(ticket)
    trail = history(ticket)
    spans = clock.running_spans(trail.statuses)
    finished = _finished_at(ticket)
    reaction = resolution = None
    judged_by = ""
    reached = ticket.first_reaction_at or finished
    reaction_spans = clock.goal_spans(spans, reached)
    resolution_spans = clock.goal_spans(spans, finished)

    def target_at(moment: dt.datetime) -> ReactionTarget | None:
        priority = clock.in_force(trail.priorities, moment)
        return ticket.contract.sla_plan.target_for(ticket.type, priority)

    if target is not None:
        then = target_at(reached) if reached else None
        budget = dt.timedelta(minutes=target.reaction_minutes)
        reaction = clock.goal_clock(
            calendar,
            reaction_spans,
            now,
            budget,
            reached,
            minutes(then.reaction_minutes) if then else None,
        )
        if reached and then is not None and reaction.target != budget:
            judged_by = clock.in_force(trail.priorities, reached)
        if target.resolution_minutes is not None:
            then = target_at(finished) if finished else None
            resolution = clock.goal_clock(
                calendar,
                resolution_spans,
                now,
                dt.timedelta(minutes=target.resolution_minutes),
                finished,
                minutes(then.resolution_minutes) if then else None,
            )

    def interval_at(moment: dt.datetime) -> dt.timedelta | None:
        then = target_at(moment)
        return minutes(then.update_minutes or None) if then else None

    updates = _update_clocks(ticket, calendar, target, spans, finished, now, interval_at)
    paused_since = trail.statuses[-1][0] if ticket.status == Status.WAITING_FOR_CUSTOMER else None
    stood_still = sum(
        (calendar.between(a, b) for a, b in clock.stops(resolution_spans)), dt.timedelta()
    )
    clocks = [c for c in (reaction, resolution) if c is not None] + updates
    return Clocks(
        reaction=reaction,
        reaction_spans=reaction_spans,
        resolution=resolution,
        resolution_spans=resolution_spans,
        updates=updates,
        state=clock.ticket_state(calendar, clocks, ticket.status, now),
        paused_since=paused_since,
        paused_seconds=int(stood_still.total_seconds()),
        reaction_judged_by=judged_by,
    )


def public_updates(ticket: Ticket) -> list[dt.datetime]:
    """The first reaction and the contractor's public answers after it, in time order."""
    if ticket.first_reaction_at is None:
        return []
    later = (
        Comment.objects.filter(
            ticket_id=ticket.pk,
            is_public=True,
            author__role__in=User.CONTRACTOR_ROLES,
            created_at__gt=ticket.first_reaction_at,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    return [ticket.first_reaction_at, *later]


def _update_clocks(
    ticket: Ticket,
    calendar: BusinessCalendar,
    target: ReactionTarget | None,
    spans: list[clock.Span],
    finished: dt.datetime | None,
    now: dt.datetime,
    interval_at: Callable[[dt.datetime], dt.timedelta | None],
) -> list[Clock]:
    """Contract rule (optional update interval): after its reaction the contractor keeps the
    customer informed, a public update at least every so many business minutes while the
    ticket is with it. Nothing more is owed once the ticket is resolved. ``interval_at``: the
    interval in force at a moment, for the updates already given."""
    if target is None or not target.update_minutes:
        return []
    budget = dt.timedelta(minutes=target.update_minutes)
    answers = public_updates(ticket)
    clocks = clock.update_clocks(calendar, budget, spans, answers, now, interval_at)
    if finished is not None and clocks and clocks[-1].reached_at is None:
        clocks.pop()
    return clocks
