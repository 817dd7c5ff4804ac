"""Logging work on a ticket: the verbs that write, correct and remove work logs, and the rules
that split a log by the contract's calendar and set what of it is billed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, User
from secondline.billing import access, events, rules
from secondline.billing.models import (
    Activity,
    BillingTerms,
    OutOfHoursRequest,
    OutOfHoursStatus,
    WorkLog,
)
from secondline.billing.periods import (
    approved_months,
    check_month_open,
    month_of,
    term_errors,
    zone_of,
)
from secondline.billing.prepaid import check_prepaid
from secondline.common.moments import EARLIEST, typed_time_error
from secondline.sla.calendars import calendar_of
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce

#: The longest single work log; longer stretches are logged day by day.
MAX_WORKLOG = dt.timedelta(hours=24)
#: The first moment work can be logged at: an earlier date is a typing mistake, and towards
#: year 1 the calendars (years 2-9997) and the datetime arithmetic run out of years.
EARLIEST_WORK = EARLIEST  # the first moment of the desk's records (common.moments)
#: How far ahead of the server's clock a start may be (the agent's clock may run fast).
CLOCK_SKEW = dt.timedelta(minutes=5)


class Window(NamedTuple):
    """An out-of-hours request's window and the out-of-hours rate it snapshotted."""

    start: dt.datetime
    end: dt.datetime
    rate: Decimal


Windows = dict[str, list[Window]]


@dataclass
class WorkEntry:
    """What an agent logs: a start and either an end or a duration."""

    activity: str
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    duration: dt.timedelta | None = None
    billable: bool = True
    description: str = ""
    internal_note: str = ""


def too_early(moment: dt.datetime) -> str | None:
    """Why work cannot be logged at ``moment`` (aware) that far back, or None."""
    if moment < EARLIEST_WORK:
        return _("Work can be logged from 1 January 2000 on.")
    return None


def start_error(start: dt.datetime) -> str | None:
    """Why a work log cannot start at ``start`` (aware), or None: checked before any
    arithmetic on it, so that year 1 or year 9999 is a message, not an OverflowError."""
    if start > timezone.now() + CLOCK_SKEW:
        return _("Work cannot be logged in advance.")
    return too_early(start)


def too_long(span: dt.timedelta) -> str | None:
    """Why one work log cannot span ``span``, or None."""
    if span > MAX_WORKLOG:
        return _("Log at most 24 hours at a time; log longer work day by day.")
    return None


def life_errors(ticket: Ticket, start: dt.datetime, end: dt.datetime) -> dict[str, list[str]]:
    """Why work from ``start`` to ``end`` does not lie within the ticket's life, per field.

    Contract rule: only work on a filed ticket is billed, so a log starts no earlier than the
    minute the ticket was filed and ends no later than now (plus the agent's clock skew).
    """
    errors: dict[str, list[str]] = {}
    filed = ticket.created_at.replace(second=0, microsecond=0)
    if start < filed:
        local = timezone.localtime(ticket.created_at, zone_of(ticket.contract))
        errors["started_at"] = [
            _("The ticket was filed at %(filed)s; work cannot be logged before it.")
            % {"filed": local.strftime("%Y-%m-%d %H:%M")}
        ]
    if end > timezone.now() + CLOCK_SKEW:
        errors["ended_at"] = [_("The work cannot end in the future.")]
    return errors


def _validate_entry(entry: WorkEntry, ticket: Ticket) -> tuple[dt.datetime, dt.datetime]:
    errors: dict[str, list[str]] = {}
    if entry.activity not in Activity.values:
        errors["activity"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Activity.values)}
        ]
    if reason := typed_time_error(entry.started_at) or start_error(entry.started_at):
        errors["started_at"] = [reason]
    if (entry.ended_at is None) == (entry.duration is None):
        errors["ended_at"] = [_("Give either the end or the duration of the work.")]
    elif entry.ended_at is not None and (reason := typed_time_error(entry.ended_at)):
        errors["ended_at"] = [reason]
    if len(entry.description) > 500:
        errors["description"] = [_("Keep the description under 500 characters.")]
    if errors:
        raise ValidationError(errors)
    start = entry.started_at.replace(microsecond=0)
    end = (entry.ended_at or entry.started_at + (entry.duration or dt.timedelta())).replace(
        microsecond=0
    )
    if end <= start:
        raise ValidationError({"ended_at": [_("The work must end after it starts.")]})
    if reason := too_long(end - start):
        raise ValidationError({"ended_at": [reason]})
    if errors := life_errors(ticket, start, end):
        raise ValidationError(errors)
    if errors := term_errors(ticket.contract, start, end):
        raise ValidationError(errors)
    return start, end


def log_work(ticket: Ticket, agent: User, entry: WorkEntry, channel: str = Channel.WEB) -> WorkLog:
    """Log time on a ticket; the contract's calendar splits it into business and out-of-hours
    time at once. Out-of-hours time is billed only when an approved request covers it."""
    access.require_can_log_work(agent, ticket)
    start, end = _validate_entry(entry, ticket)
    contract = ticket.contract
    check_month_open(contract, start)
    with transaction.atomic():
        log = WorkLog(
            ticket=ticket,
            contract=contract,
            agent=agent,
            activity=entry.activity,
            started_at=start,
            ended_at=end,
            billable=entry.billable,
            description=entry.description.strip(),
            internal_note=entry.internal_note.strip(),
        )
        apply_rules(log, contract, windows_of(ticket.pk), BillingTerms.for_contract(contract.pk))
        log.save()
        announce(events.work_logged(log, agent, channel))
        check_prepaid(contract)
    return log


WORKLOG_FIELDS = ("activity", "started_at", "ended_at", "billable", "description", "internal_note")


def update_worklog(
    log: WorkLog, actor: User, changes: dict[str, object], channel: str = Channel.WEB
) -> WorkLog:
    """Correct a work log; the split and billing are recomputed from the new times."""
    access.require_can_change_worklog(actor, log)
    unknown = sorted(set(changes) - set(WORKLOG_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    entry = WorkEntry(
        activity=str(changes.get("activity", log.activity)),
        started_at=changes.get("started_at", log.started_at),  # type: ignore[arg-type]
        ended_at=changes.get("ended_at", log.ended_at),  # type: ignore[arg-type]
        billable=bool(changes.get("billable", log.billable)),
        description=str(changes.get("description", log.description)),
        internal_note=str(changes.get("internal_note", log.internal_note)),
    )
    start, end = _validate_entry(entry, log.ticket)
    check_month_open(log.contract, log.started_at, start)
    with transaction.atomic():
        log = (
            WorkLog.objects.select_for_update().select_related("contract__calendar").get(pk=log.pk)
        )
        old = events.worklog_summary(log)
        log.activity, log.started_at, log.ended_at = entry.activity, start, end
        log.billable, log.description = entry.billable, entry.description.strip()
        log.internal_note = entry.internal_note.strip()
        apply_rules(
            log, log.contract, windows_of(log.ticket_id), BillingTerms.for_contract(log.contract_id)
        )
        log.save()
        announce(events.worklog_changed(log, actor, channel, old))
        check_prepaid(log.contract)
    return log


def delete_worklog(log: WorkLog, actor: User, channel: str = Channel.WEB) -> None:
    """Remove a work log logged by mistake; the ticket's history keeps what it was."""
    access.require_can_change_worklog(actor, log)
    check_month_open(log.contract, log.started_at)
    with transaction.atomic():
        summary = events.worklog_summary(log)
        log.out_of_hours_requests.clear()
        log.delete()
        announce(events.worklog_removed(log.ticket, actor, channel, summary))


def windows_of(ticket_id: int) -> Windows:
    """Out-of-hours request windows of a ticket, by request status."""
    by_status: Windows = {}
    rows = OutOfHoursRequest.objects.filter(ticket_id=ticket_id).values_list(
        "status", "window_start", "window_end", "out_of_hours_rate"
    )
    for status, start, end, rate in rows:
        by_status.setdefault(status, []).append(Window(start, end, rate))
    return by_status


def _overlaps(log: WorkLog, windows: Iterable[Window]) -> bool:
    return any(w.start < log.ended_at and log.started_at < w.end for w in windows)


def apply_rules(log: WorkLog, contract: Contract, windows: Windows, terms: BillingTerms) -> None:
    """Split the log by the calendar, verify its out-of-hours part, and set what is billed."""
    calendar = calendar_of(contract)
    parts = rules.split(calendar, log.started_at, log.ended_at)
    log.business_seconds = int(parts.business.total_seconds())
    log.out_of_hours_seconds = int(parts.out_of_hours.total_seconds())
    approved = windows.get(OutOfHoursRequest.Status.APPROVED, [])
    verified = (
        rules.out_of_hours_within(
            calendar, log.started_at, log.ended_at, [(w.start, w.end) for w in approved]
        )
        if log.out_of_hours_seconds and approved
        else dt.timedelta()
    )
    log.verified_out_of_hours_seconds = min(int(verified.total_seconds()), log.out_of_hours_seconds)
    log.out_of_hours_status = _out_of_hours_status(log, windows)
    billed = rules.billed_minutes(
        log.business_seconds, log.verified_out_of_hours_seconds, terms.rounding_minutes
    )
    if not log.billable:
        billed = rules.BilledMinutes(0, 0)
    log.billed_business_minutes = billed.business
    log.billed_out_of_hours_minutes = billed.out_of_hours
    # priced at the rate both parties approved on the request, not the contract's rate of the
    # day the statement is generated
    log.out_of_hours_rate = (
        rules.agreed_rate(calendar, log.started_at, log.ended_at, approved)
        if billed.out_of_hours
        else None
    )


def _out_of_hours_status(log: WorkLog, windows: Windows) -> str:
    if not log.out_of_hours_seconds:
        return OutOfHoursStatus.NONE
    if log.verified_out_of_hours_seconds >= log.out_of_hours_seconds:
        return OutOfHoursStatus.VERIFIED
    if _overlaps(log, windows.get(OutOfHoursRequest.Status.PENDING, [])):
        return OutOfHoursStatus.PENDING
    if _overlaps(log, windows.get(OutOfHoursRequest.Status.REJECTED, [])):
        return OutOfHoursStatus.REJECTED
    return OutOfHoursStatus.UNVERIFIED


def reapply_rules(ticket: Ticket, window: tuple[dt.datetime, dt.datetime]) -> None:
    """Recompute the logs a request's window touches, after the request changed status.

    Contract rule: an approved statement is final, so the logs of an approved month are never
    recomputed (their billed minutes and the prepaid hours they drew stay as approved).
    """
    contract = ticket.contract
    windows = windows_of(ticket.pk)
    terms = BillingTerms.for_contract(ticket.contract_id)
    logs = list(
        WorkLog.objects.select_for_update().filter(
            ticket=ticket, started_at__lt=window[1], ended_at__gt=window[0]
        )
    )
    closed = approved_months(contract, *(log.started_at for log in logs))
    changed = []
    for log in logs:
        if month_of(contract, log.started_at) in closed:
            continue
        apply_rules(log, contract, windows, terms)
        changed.append(log)
    WorkLog.objects.bulk_update(
        changed,
        [
            "verified_out_of_hours_seconds",
            "out_of_hours_status",
            "billed_business_minutes",
            "billed_out_of_hours_minutes",
            "out_of_hours_rate",
        ],
    )
