"""The monthly SLA report of one customer: tickets by type and priority, reactions in time,
reaction times in business hours and the breaches (of the reaction, resolution and update
clocks).

Contract rules: declined tickets never count; a reaction's business time is
``calendar.between(filed, first reaction)`` on the contract's calendar; a missed update is a
breach that stays on the record (docs/sla.md).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from secondline.accounts.models import Organization
from secondline.common import spreadsheet
from secondline.sla.calendars import calendar_of
from secondline.sla.ticket_clocks import clocks_of, target_for
from secondline.tickets.choices import PRIORITY_RANK, Priority, Status, TicketType
from secondline.tickets.models import Ticket

HOUR = Decimal("0.01")
TYPE_ORDER = {value: index for index, value in enumerate(TicketType.values)}


#: The months a report can describe: no ticket is older or newer, and at the ends of
#: ``datetime``'s range (year 1, year 9999) the month's bounds cannot even be computed.
FIRST_MONTH, LAST_MONTH = dt.date(2000, 1, 1), dt.date(2100, 12, 1)


class MonthOutOfRange(ValueError):
    """A well-formed month outside FIRST_MONTH..LAST_MONTH."""


def parse_month(text: str) -> dt.date:
    """ "2026-05" -> 1 May 2026; ValueError with a message a person can act on
    (MonthOutOfRange for a month outside FIRST_MONTH..LAST_MONTH)."""
    try:
        parsed = dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValueError(f"give the month as YYYY-MM, e.g. 2026-05, not {text!r}") from None
    if not FIRST_MONTH <= parsed <= LAST_MONTH:
        raise MonthOutOfRange(f"give a month from {FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}")
    return parsed


def month_bounds(month: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the month and of the next one, in ``tz``."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, dt.datetime(following.year, following.month, 1, tzinfo=tz)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` quantile with linear interpolation between the closest ranks (the
    "inclusive" method: the median of [1, 2] is 1.5, the 95th percentile of 1..20 is 19.05)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours(value: float | dt.timedelta | None) -> Decimal | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else value
    return (Decimal(seconds) / 3600).quantize(HOUR, ROUND_HALF_UP)


@dataclass
class Line:
    """Tickets of one type and priority."""

    ticket_type: str
    priority: str
    tickets: int = 0
    in_time: int = 0
    late: int = 0

    @property
    def type_label(self) -> str:
        return str(TicketType(self.ticket_type).label)

    @property
    def priority_label(self) -> str:
        return str(Priority(self.priority).label) if self.priority else ""


@dataclass
class Breach:
    ticket: Ticket
    clock: str  # "reaction", "resolution" or "update"
    due: dt.datetime
    done_at: dt.datetime | None  # the reaction, resolution or update, None while still missing
    overdue: dt.timedelta  # business time past the deadline

    @property
    def overdue_hours(self) -> Decimal:
        return hours(self.overdue) or Decimal("0")


@dataclass
class Report:
    organization: Organization
    month: dt.date
    lines: list[Line] = field(default_factory=list)
    reaction_seconds: list[float] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)

    @property
    def tickets(self) -> int:
        return sum(line.tickets for line in self.lines)

    @property
    def in_time(self) -> int:
        return sum(line.in_time for line in self.lines)

    @property
    def judged(self) -> int:
        """Reactions that can be judged: made, or missing past their deadline."""
        return sum(line.in_time + line.late for line in self.lines)

    @property
    def in_time_share(self) -> Decimal | None:
        """Share of reactions in time, in per cent; None when nothing could be judged."""
        if not self.judged:
            return None
        return (Decimal(100 * self.in_time) / self.judged).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def median_hours(self) -> Decimal | None:
        return hours(percentile(self.reaction_seconds, 0.5))

    @property
    def p95_hours(self) -> Decimal | None:
        return hours(percentile(self.reaction_seconds, 0.95))


def month_tickets(organization: Organization, month: dt.date) -> list[Ticket]:
    start, end = month_bounds(month, timezone.get_default_timezone())
    return list(
        Ticket.objects.filter(organization=organization, created_at__gte=start, created_at__lt=end)
        .exclude(status=Status.DECLINED)
        .select_related("contract__calendar", "contract__sla_plan")
        .order_by("created_at", "pk")
    )


def build(organization: Organization, month: dt.date, now: dt.datetime | None = None) -> Report:
    """The report of tickets filed by ``organization`` in ``month`` (the month in the
    service's time zone), judged at ``now``."""
    now = now or timezone.now()
    report = Report(organization, month)
    lines: dict[tuple[str, str], Line] = {}
    for ticket in month_tickets(organization, month):
        key = (ticket.type, ticket.priority if ticket.type == TicketType.INCIDENT else "")
        line = lines.setdefault(key, Line(*key))
        line.tickets += 1
        _judge(report, line, ticket, now)
    report.lines = sorted(
        lines.values(),
        key=lambda ln: (TYPE_ORDER[ln.ticket_type], PRIORITY_RANK.get(ln.priority, -1)),  # type: ignore[call-overload]
    )
    report.breaches.sort(key=lambda b: (b.due, b.ticket.pk))
    return report


def _judge(report: Report, line: Line, ticket: Ticket, now: dt.datetime) -> None:
    _judge_resolution(report, ticket, now)
    _judge_updates(report, ticket, now)
    calendar = calendar_of(ticket.contract)
    due, reacted = ticket.reaction_due_at, ticket.first_reaction_at
    if reacted is not None:
        report.reaction_seconds.append(calendar.between(ticket.created_at, reacted).total_seconds())
    if due is None:
        return
    if reacted is not None and reacted <= due:
        line.in_time += 1
        return
    # Missing reactions count as late once their deadline passed, unless the clock is stopped.
    end = reacted or ticket.resolved_at or ticket.closed_at or now
    if reacted is not None or (due < end and ticket.status != Status.WAITING_FOR_CUSTOMER):
        line.late += 1
        report.breaches.append(Breach(ticket, "reaction", due, reacted, calendar.between(due, end)))


def _still_owed(ticket: Ticket) -> bool:
    """A reaction or resolution is still owed while the ticket is with the contractor."""
    return ticket.status in (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS)


def _judge_resolution(report: Report, ticket: Ticket, now: dt.datetime) -> None:
    due = ticket.resolution_due_at
    if due is None:
        return
    resolved = ticket.resolved_at or ticket.closed_at
    late = resolved > due if resolved is not None else _still_owed(ticket) and due < now
    if late:
        overdue = calendar_of(ticket.contract).between(due, resolved or now)
        report.breaches.append(Breach(ticket, "resolution", due, resolved, overdue))


def _judge_updates(report: Report, ticket: Ticket, now: dt.datetime) -> None:
    """Each update owed after the reaction and given late, or still missing past its deadline."""
    target = target_for(ticket)
    if target is None or not target.update_minutes or ticket.first_reaction_at is None:
        return  # nothing was owed: spare the history queries
    result = clocks_of(ticket, now)
    calendar = calendar_of(ticket.contract)
    for update in result.updates:
        # A missing update stops counting when the ticket waits for the customer.
        end = update.reached_at or result.paused_since or now
        if update.due < end:
            overdue = calendar.between(update.due, end)
            report.breaches.append(Breach(ticket, "update", update.due, update.reached_at, overdue))


def as_csv(report: Report) -> str:
    """The report as CSV: the summary, the lines per type and priority, then the breaches."""
    out = io.StringIO()
    w = spreadsheet.writer(out)
    w.writerow(["organization", "month"])
    w.writerow([report.organization.name, report.month.strftime("%Y-%m")])
    w.writerow([])
    w.writerow(["type", "priority", "tickets", "reactions_in_time", "reactions_late"])
    for line in report.lines:
        w.writerow([line.ticket_type, line.priority, line.tickets, line.in_time, line.late])
    w.writerow(["total", "", report.tickets, report.in_time, report.judged - report.in_time])
    w.writerow([])
    w.writerow(["metric", "value"])
    w.writerow(["reactions_in_time_percent", _text(report.in_time_share)])
    w.writerow(["median_reaction_business_hours", _text(report.median_hours)])
    w.writerow(["p95_reaction_business_hours", _text(report.p95_hours)])
    w.writerow([])
    w.writerow(
        [
            "ticket",
            "subject",
            "type",
            "priority",
            "clock",
            "due",
            "done_at",
            "overdue_business_hours",
        ]
    )
    for breach in report.breaches:
        t = breach.ticket
        w.writerow(
            [
                t.number,
                t.subject,
                t.type,
                t.priority,
                breach.clock,
                breach.due.isoformat(),
                breach.done_at.isoformat() if breach.done_at else "",
                breach.overdue_hours,
            ]
        )
    return out.getvalue()


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)
