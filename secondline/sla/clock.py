"""SLA clocks: deadlines, elapsed and remaining business time, and the SLA state.

Pure Python, no Django import. Contract rules applied here:

* every target is counted in business time of the contract's calendar;
* a clock runs only while the ticket is with the contractor (new, accepted, in progress) and
  stops while it waits for the customer, after it is resolved or closed, and while declined;
* once a clock's goal is reached (the first reaction, the resolution) its deadline is fixed:
  pauses after that moment no longer move it;
* the contractor corrects a wrongly set priority, and a wrong priority never counts against
  it: a clock still running has the current priority's target, counted from its start as now;
  a goal already reached is met if it met the target in force when it was reached or the
  current one (``goal_clock``);
* a ticket is at risk once 80 % of a running target has elapsed; a breach stays a breach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Protocol

# Ticket statuses (the values of secondline.tickets.choices.Status) during which clocks run.
RUNNING_STATUSES = frozenset({"new", "accepted", "in_progress"})
WAITING_STATUS = "waiting"
DECLINED_STATUS = "declined"

#: A stretch of wall time during which a clock runs; ``None`` as the end: it still runs.
Span = tuple[datetime, datetime | None]

AT_RISK_SHARE = 0.8  # at risk once 80 % of the target has elapsed


class State:
    """The SLA states stored on a ticket; "" for tickets that never count (declined)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"
    NONE = ""


class Calendar(Protocol):
    """What the clocks need of ``secondline.calendar.BusinessCalendar``."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


def running_spans(history: Iterable[tuple[datetime, str]]) -> list[Span]:
    """The spans during which the ticket was with the contractor.

    ``history`` is the ticket's status changes in time order, the first being its filing:
    ``(when, new status)``. The last span is open (end ``None``) while the clock runs now.
    """
    spans: list[Span] = []
    started: datetime | None = None
    for when, status in history:
        if status in RUNNING_STATUSES and started is None:
            started = when
        elif status not in RUNNING_STATUSES and started is not None:
            if when > started:
                spans.append((started, when))
            started = None
    if started is not None:
        spans.append((started, None))
    return spans


def goal_spans(spans: Sequence[Span], reached_at: datetime | None) -> list[Span]:
    """The spans that count towards a clock whose goal was reached at ``reached_at``.

    Up to the goal the clock runs as the ticket did; from the goal on it is treated as running
    without a stop, so that a later pause cannot move a deadline that was already met or missed.
    """
    if reached_at is None:
        return list(spans)
    kept: list[Span] = []
    for start, end in spans:
        if start >= reached_at:
            break
        kept.append((start, reached_at if end is None or end > reached_at else end))
    if kept and kept[-1][1] == reached_at:
        return [*kept[:-1], (kept[-1][0], None)]
    return [*kept, (reached_at, None)]


def deadline(
    calendar: Calendar, budget: timedelta, spans: Sequence[Span], now: datetime
) -> datetime:
    """The moment ``budget`` of business time has run on these spans.

    When the clock is stopped now (the last span is closed) and the budget is not used up, the
    deadline is provisional: as if the clock resumed ``now``.
    """
    if not spans:
        return calendar.add(now, budget)
    remaining = budget
    for start, end in spans:
        due = calendar.add(start, remaining)
        if end is None or due <= end:
            return due
        remaining -= calendar.between(start, end)
    last_end = spans[-1][1]
    assert last_end is not None
    return calendar.add(max(now, last_end), remaining)


def since(spans: Sequence[Span], start: datetime) -> list[Span]:
    """The part of these spans from ``start`` on."""
    return [(max(a, start), b) for a, b in spans if b is None or b > start]


def in_force(history: Sequence[tuple[datetime, str]], at: datetime) -> str:
    """The value in force at ``at``: the last one set before it.

    ``history`` is ``(when, value)`` in time order, the first being the filing's (a moment
    before it gets that first value). A change at ``at`` itself is not yet in force: a goal
    reached in the same instant as a priority correction is judged by the priority it was
    reached under as well.
    """
    value = history[0][1]
    for when, new in history[1:]:
        if when >= at:
            break
        value = new
    return value


def goal_clock(
    calendar: Calendar,
    spans: Sequence[Span],
    now: datetime,
    budget: timedelta,
    reached_at: datetime | None,
    budget_then: timedelta | None,
) -> Clock:
    """One clock on its ``goal_spans``, under the rule on priority corrections.

    The contractor corrects a wrongly set priority, and a customer's wrong priority never
    counts against it (docs/sla.md, Rules). While the clock runs it has ``budget``, the
    current priority's target, counted from its start as now. Once its goal is reached it is
    met if the goal met either that target or ``budget_then``, the target in force when the
    goal was reached (``None``: none was, so nothing was owed then). Its deadline is the later
    of the two, so the deadline shown and the verdict agree.
    """
    due = deadline(calendar, budget, spans, now)
    if reached_at is None:
        return Clock(budget, due)
    if budget_then is None:  # nothing owed when the goal was reached: met whenever it was
        return Clock(budget, max(due, reached_at), reached_at)
    due_then = deadline(calendar, budget_then, spans, now)
    if due_then > due:
        return Clock(budget_then, due_then, reached_at)
    return Clock(budget, due, reached_at)


def update_clocks(
    calendar: Calendar,
    budget: timedelta,
    spans: Sequence[Span],
    updates: Sequence[datetime],
    now: datetime,
    budget_at: Callable[[datetime], timedelta | None] | None = None,
) -> list[Clock]:
    """The clocks of the plan's update interval.

    After the first reaction the contractor owes the customer a public update within
    ``budget`` of running business time of each previous one; ``updates`` are those moments in
    time order, the first reaction first. Each gap is a clock, reached by the next update; the
    last one is still running. ``budget_at(moment)`` is the interval in force at a moment (by
    default ``budget``): an update already given is judged as ``goal_clock`` says.
    """
    clocks = []
    for index, start in enumerate(updates):
        reached = updates[index + 1] if index + 1 < len(updates) else None
        window = goal_spans(since(spans, start), reached)
        then = budget if reached is None or budget_at is None else budget_at(reached)
        clocks.append(goal_clock(calendar, window, now, budget, reached, then))
    return clocks


def elapsed(calendar: Calendar, spans: Sequence[Span], now: datetime) -> timedelta:
    """Business time the clock has run on these spans up to ``now``."""
    total = timedelta()
    for start, end in spans:
        if start >= now:
            break
        total += calendar.between(start, now if end is None or end > now else end)
    return total


def stops(spans: Sequence[Span]) -> list[tuple[datetime, datetime]]:
    """The closed gaps between consecutive spans: when the clock stood still."""
    result = []
    for (_, end), (start, _) in pairwise(spans):
        if end is not None and start > end:
            result.append((end, start))
    return result


@dataclass(frozen=True, slots=True)
class Clock:
    """One SLA clock of a ticket: its target, its deadline and when its goal was reached."""

    target: timedelta
    due: datetime
    reached_at: datetime | None = None


def clock_state(calendar: Calendar, clock: Clock, now: datetime) -> str:
    """Met or breached once reached; otherwise breached, at risk or on track at ``now``,
    judged on the business time left before the deadline (the clock runs until then)."""
    if clock.reached_at is not None:
        return State.MET if clock.reached_at <= clock.due else State.BREACHED
    if now > clock.due:
        return State.BREACHED
    left = calendar.between(now, clock.due)
    if left <= clock.target * (1 - AT_RISK_SHARE):
        return State.AT_RISK
    return State.ON_TRACK


def next_change(calendar: Calendar, clocks: Sequence[Clock], now: datetime) -> datetime | None:
    """The earliest moment after which one of these clocks (all running from ``now`` on) is in
    another state: the at-risk moment of a clock on track, the deadline of one at risk; None
    when no clock runs. What the sweep waits for (``Ticket.sla_next_check_at``)."""
    moments = []
    for clock in clocks:
        if clock.reached_at is not None:
            continue
        if now > clock.due:
            continue  # breached already, and a breach stays a breach
        left = calendar.between(now, clock.due)
        at_risk_left = clock.target * (1 - AT_RISK_SHARE)
        moments.append(
            clock.due if left <= at_risk_left else calendar.add(now, left - at_risk_left)
        )
    return min(moments, default=None)


_WORST_FIRST = (State.BREACHED, State.AT_RISK, State.ON_TRACK, State.MET)


def ticket_state(calendar: Calendar, clocks: Sequence[Clock], status: str, now: datetime) -> str:
    """The one state shown on a ticket: the worst of its clocks, "paused" while it waits for the
    customer (unless already breached), "" when declined or without targets."""
    if status == DECLINED_STATUS or not clocks:
        return State.NONE
    states = {clock_state(calendar, clock, now) for clock in clocks}
    if State.BREACHED in states:
        return State.BREACHED
    if status == WAITING_STATUS and states - {State.MET}:
        return State.PAUSED
    return next(state for state in _WORST_FIRST if state in states)
