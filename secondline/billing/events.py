"""Billing's part of the ticket's audit trail: one small function per kind of billing event.

Each writes a ``TicketEvent`` on the ticket the work, request or disputed line belongs to; the
service verb then announces it through ``tickets.signals.announce``, as the ticket core does.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.accounts.models import User
from secondline.billing.models import (
    OutOfHoursRequest,
    Statement,
    StatementCorrection,
    StatementLine,
    WorkLog,
)
from secondline.billing.periods import zone_of
from secondline.tickets.events import record
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.reasons import NOTE, Reason

Kind = TicketEvent.Kind
Side = OutOfHoursRequest.Side


def worklog_summary(log: WorkLog) -> str:
    """One line a customer can read: the activity, the local times and the split."""
    zone = zone_of(log.contract)
    start, end = log.started_at.astimezone(zone), log.ended_at.astimezone(zone)
    return _(
        "%(activity)s %(day)s %(start)s–%(end)s: %(business)s business, %(ooh)s out of hours"
    ) % {
        "activity": log.get_activity_display(),
        "day": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "business": _hm(log.business_seconds),
        "ooh": _hm(log.out_of_hours_seconds),
    }


def _hm(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}"


#: One side's decision on an out-of-hours request, with the window and price it decided on.
DECIDED = {
    Side.CUSTOMER: gettext_noop(
        "Customer: window %(start)s – %(end)s, about %(hours)s h at %(rate)s %(currency)s per "
        "hour (%(base)s × %(multiplier)s)"
    ),
    Side.CONTRACTOR: gettext_noop(
        "Contractor: window %(start)s – %(end)s, about %(hours)s h at %(rate)s %(currency)s "
        "per hour (%(base)s × %(multiplier)s)"
    ),
}


def request_summary(request: OutOfHoursRequest) -> str:
    """The window and the snapshotted price both parties approve."""
    return _(
        "Window %(start)s – %(end)s, about %(hours)s h at %(rate)s %(currency)s per hour "
        "(%(base)s × %(multiplier)s)"
    ) % request_figures(request)


def request_figures(request: OutOfHoursRequest) -> dict[str, str]:
    """The window in the contract's time zone and the price, as the summary names them."""
    zone = zone_of(request.ticket.contract)
    start, end = request.window_start.astimezone(zone), request.window_end.astimezone(zone)
    return {
        "start": start.strftime("%Y-%m-%d %H:%M"),
        "end": end.strftime("%Y-%m-%d %H:%M"),
        "hours": str(request.estimated_hours),
        "rate": str(request.out_of_hours_rate),
        "currency": request.currency,
        "base": str(request.hourly_rate),
        "multiplier": str(request.multiplier),
    }


def work_logged(log: WorkLog, actor: User, channel: str) -> TicketEvent:
    return record(
        log.ticket,
        actor,
        Kind.WORK_LOGGED,
        channel,
        field="worklog",
        new=worklog_summary(log),
        public=True,
    )


def worklog_changed(log: WorkLog, actor: User, channel: str, old: str) -> TicketEvent:
    return record(
        log.ticket,
        actor,
        Kind.WORK_LOGGED,
        channel,
        field="worklog",
        old=old,
        new=worklog_summary(log),
    )


def worklog_removed(ticket: Ticket, actor: User, channel: str, summary: str) -> TicketEvent:
    return record(
        ticket,
        actor,
        Kind.WORK_LOGGED,
        channel,
        field="worklog",
        old=summary,
        reason=gettext_noop("Work log removed."),
    )


def out_of_hours_requested(request: OutOfHoursRequest, actor: User, channel: str) -> TicketEvent:
    return record(
        request.ticket,
        actor,
        Kind.OUT_OF_HOURS_REQUESTED,
        channel,
        field="out_of_hours",
        new=request_summary(request),
        reason=request.reason,
    )


def out_of_hours_decided(
    request: OutOfHoursRequest,
    actor: User,
    channel: str,
    *,
    approve: bool,
    side: str,
    old_status: str,
    comment: str,
) -> TicketEvent:
    """One side's decision, with the request's status before and after it."""
    figures: dict[str, str | int] = {**request_figures(request), NOTE: comment}
    return record(
        request.ticket,
        actor,
        Kind.OUT_OF_HOURS_APPROVED if approve else Kind.OUT_OF_HOURS_REJECTED,
        channel,
        field="out_of_hours",
        old=old_status,
        new=request.status,
        reason=Reason(DECIDED[Side(side)], figures),
    )


def statement_line_disputed(
    ticket: Ticket, line: StatementLine, statement: Statement, actor: User, channel: str
) -> TicketEvent:
    return record(
        ticket,
        actor,
        Kind.OTHER,
        channel,
        field="statement_line",
        new=f"{statement} {line.work_date} {line.amount} {statement.currency}",
        reason=Reason(gettext_noop("Statement line disputed."), {NOTE: line.dispute_comment}),
    )


def statement_line_corrected(
    ticket: Ticket, correction: StatementCorrection, actor: User, channel: str
) -> TicketEvent:
    statement = correction.statement
    return record(
        ticket,
        actor,
        Kind.OTHER,
        channel,
        field="statement_line",
        old=f"{statement} {correction.old_amount} {statement.currency}",
        new=f"{statement} {correction.new_amount} {statement.currency}",
        reason=Reason(gettext_noop("Statement line corrected."), {NOTE: correction.reason}),
    )
