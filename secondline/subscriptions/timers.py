"""When each automatic action falls due, in business time of the ticket's contract calendar.

The timers are rows kept in the change's transaction (``keep``), so the sweep reads only the
ones due (``Timer.due_at`` is indexed) instead of walking the open tickets.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from secondline.calendar import BusinessCalendar
from secondline.sla.calendars import calendar_of
from secondline.subscriptions.models import Timer
from secondline.tickets.choices import Status
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import Change

Kind = TicketEvent.Kind
WAITING_TIMERS = (Timer.Kind.REMIND, Timer.Kind.CLOSE_WAITING, Timer.Kind.CLOSE_RESOLVED)
MAX_DAYS_AHEAD = 3660  # a calendar with no working day ahead never comes due


def setting(name: str) -> int:
    return int(getattr(settings, name, 0) or 0)


def business_days_after(calendar: BusinessCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day ``days`` working days of the calendar after ``start``."""
    local = start.astimezone(calendar.tz)
    day, counted = local.date(), 0
    for _step in range(MAX_DAYS_AHEAD):
        if counted >= days:
            break
        day += dt.timedelta(days=1)
        counted += calendar.day_info(day).is_working
    return dt.datetime.combine(day, local.time(), tzinfo=calendar.tz).astimezone(dt.UTC)


def set_timer(ticket: Ticket, kind: str, due_at: dt.datetime) -> None:
    Timer.objects.update_or_create(ticket=ticket, kind=kind, defaults={"due_at": due_at})


def clear(ticket: Ticket, *kinds: str) -> None:
    Timer.objects.filter(ticket=ticket, kind__in=kinds).delete()


def keep(change: Change) -> None:
    """Start, move or stop the ticket's timers for what this change did."""
    event, ticket = change.event, change.ticket
    if event.kind == Kind.CREATED:
        _start_unassigned(ticket, event.created_at)
    elif event.kind == Kind.ASSIGNED and ticket.assignee_id is not None:
        clear(ticket, Timer.Kind.UNASSIGNED)
    elif event.kind in {Kind.STATUS_CHANGED, Kind.DECLINED, Kind.MERGED}:
        _status_moved(ticket, event.created_at)
    elif event.kind == Kind.COMMENTED and event.actor is not None and event.actor.is_customer:
        clear(ticket, *WAITING_TIMERS)  # the customer answered: nothing to remind or close


def _start_unassigned(ticket: Ticket, at: dt.datetime) -> None:
    minutes = setting("NOTIFY_UNASSIGNED_MINUTES")
    if minutes and ticket.assignee_id is None:
        due = calendar_of(ticket.contract).add(at, dt.timedelta(minutes=minutes))
        Timer.objects.create(ticket=ticket, kind=Timer.Kind.UNASSIGNED, due_at=due)


def _status_moved(ticket: Ticket, at: dt.datetime) -> None:
    clear(ticket, *WAITING_TIMERS)
    if not ticket.is_open():
        clear(ticket, Timer.Kind.UNASSIGNED)
    if ticket.status == Status.WAITING_FOR_CUSTOMER:
        schedule(ticket, Timer.Kind.REMIND, "AUTO_REMIND_WAITING_DAYS", at)
    elif ticket.status == Status.RESOLVED:
        schedule(ticket, Timer.Kind.CLOSE_RESOLVED, "AUTO_CLOSE_RESOLVED_DAYS", at)


def schedule(ticket: Ticket, kind: str, days_setting: str, at: dt.datetime) -> None:
    """A timer ``days_setting`` business days after ``at``; none when the setting is 0."""
    days = setting(days_setting)
    if days:
        set_timer(ticket, kind, business_days_after(calendar_of(ticket.contract), at, days))
