"""The billing rules, applied. The UI, the API and the tests all call these verbs.

Each verb runs in one transaction, checks access in ``billing.access``, writes the audit trail
on the ticket and queues its emails for after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, User
from secondline.billing import access, notify, rules
from secondline.billing.models import (
    Activity,
    BillingTerms,
    OutOfHoursRequest,
    OutOfHoursStatus,
    PrepaidPackage,
    Statement,
    StatementLine,
    WorkLog,
)
from secondline.sla.calendars import calendar_of
from secondline.tickets import events
from secondline.tickets.choices import Channel
from secondline.tickets.models import TICKET_NUMBER_PREFIX, Ticket, TicketEvent

Kind = TicketEvent.Kind
Side = OutOfHoursRequest.Side
Decision = OutOfHoursRequest.Decision

#: The longest single work log; longer stretches are logged day by day.
MAX_WORKLOG = dt.timedelta(hours=24)
#: The longest out-of-hours window one request may cover.
MAX_WINDOW = dt.timedelta(days=14)


def zone_of(contract: Contract) -> ZoneInfo:
    return ZoneInfo(contract.calendar.time_zone)


# -- work logs ----------------------------------------------------------------------------------


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


def _validate_entry(entry: WorkEntry) -> tuple[dt.datetime, dt.datetime]:
    errors: dict[str, list[str]] = {}
    if entry.activity not in Activity.values:
        errors["activity"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Activity.values)}
        ]
    if timezone.is_naive(entry.started_at):
        errors["started_at"] = [_("Give a time with its time zone.")]
    if (entry.ended_at is None) == (entry.duration is None):
        errors["ended_at"] = [_("Give either the end or the duration of the work.")]
    elif entry.ended_at is not None and timezone.is_naive(entry.ended_at):
        errors["ended_at"] = [_("Give a time with its time zone.")]
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
    if end - start > MAX_WORKLOG:
        raise ValidationError(
            {"ended_at": [_("Log at most 24 hours at a time; log longer work day by day.")]}
        )
    if start > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"started_at": [_("Work cannot be logged in advance.")]})
    return start, end


def _check_month_open(contract: Contract, *moments: dt.datetime) -> None:
    """Contract rule: an approved statement is final, so its month's work cannot change."""
    zone = zone_of(contract)
    periods = {moment.astimezone(zone).date().replace(day=1) for moment in moments}
    if Statement.objects.filter(
        contract=contract, period__in=periods, status=Statement.Status.APPROVED
    ).exists():
        raise ValidationError(
            {
                "started_at": [
                    _("The statement for this month is approved; its work can no longer change.")
                ]
            }
        )


def log_work(ticket: Ticket, agent: User, entry: WorkEntry, channel: str = Channel.WEB) -> WorkLog:
    """Log time on a ticket; the contract's calendar splits it into business and out-of-hours
    time at once. Out-of-hours time is billed only when an approved request covers it."""
    access.require_can_log_work(agent, ticket)
    start, end = _validate_entry(entry)
    contract = ticket.contract
    _check_month_open(contract, start)
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
        _apply_rules(log, contract, _windows(ticket.pk), BillingTerms.for_contract(contract.pk))
        log.save()
        events.record(
            ticket,
            agent,
            Kind.WORK_LOGGED,
            channel,
            field="worklog",
            new=_worklog_summary(log),
            public=True,
        )
        _check_prepaid(contract)
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
    start, end = _validate_entry(entry)
    _check_month_open(log.contract, log.started_at, start)
    with transaction.atomic():
        log = (
            WorkLog.objects.select_for_update().select_related("contract__calendar").get(pk=log.pk)
        )
        old = _worklog_summary(log)
        log.activity, log.started_at, log.ended_at = entry.activity, start, end
        log.billable, log.description = entry.billable, entry.description.strip()
        log.internal_note = entry.internal_note.strip()
        _apply_rules(
            log, log.contract, _windows(log.ticket_id), BillingTerms.for_contract(log.contract_id)
        )
        log.save()
        events.record(
            log.ticket,
            actor,
            Kind.WORK_LOGGED,
            channel,
            field="worklog",
            old=old,
            new=_worklog_summary(log),
        )
        _check_prepaid(log.contract)
    return log


def delete_worklog(log: WorkLog, actor: User, channel: str = Channel.WEB) -> None:
    """Remove a work log logged by mistake; the ticket's history keeps what it was."""
    access.require_can_change_worklog(actor, log)
    _check_month_open(log.contract, log.started_at)
    with transaction.atomic():
        summary = _worklog_summary(log)
        log.out_of_hours_requests.clear()
        log.delete()
        events.record(
            log.ticket,
            actor,
            Kind.WORK_LOGGED,
            channel,
            field="worklog",
            old=summary,
            reason=_("Work log removed."),
        )


def _worklog_summary(log: WorkLog) -> str:
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


def _windows(ticket_id: int) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """Out-of-hours request windows of a ticket, by request status."""
    by_status: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    rows = OutOfHoursRequest.objects.filter(ticket_id=ticket_id).values_list(
        "status", "window_start", "window_end"
    )
    for status, start, end in rows:
        by_status.setdefault(status, []).append((start, end))
    return by_status


def _overlaps(log: WorkLog, windows: Iterable[tuple[dt.datetime, dt.datetime]]) -> bool:
    return any(start < log.ended_at and log.started_at < end for start, end in windows)


def _apply_rules(
    log: WorkLog,
    contract: Contract,
    windows: dict[str, list[tuple[dt.datetime, dt.datetime]]],
    terms: BillingTerms,
) -> None:
    """Split the log by the calendar, verify its out-of-hours part, and set what is billed."""
    calendar = calendar_of(contract)
    parts = rules.split(calendar, log.started_at, log.ended_at)
    log.business_seconds = int(parts.business.total_seconds())
    log.out_of_hours_seconds = int(parts.out_of_hours.total_seconds())
    approved = windows.get(OutOfHoursRequest.Status.APPROVED, [])
    verified = (
        rules.out_of_hours_within(calendar, log.started_at, log.ended_at, approved)
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


def _out_of_hours_status(
    log: WorkLog, windows: dict[str, list[tuple[dt.datetime, dt.datetime]]]
) -> str:
    if not log.out_of_hours_seconds:
        return OutOfHoursStatus.NONE
    if log.verified_out_of_hours_seconds >= log.out_of_hours_seconds:
        return OutOfHoursStatus.VERIFIED
    if _overlaps(log, windows.get(OutOfHoursRequest.Status.PENDING, [])):
        return OutOfHoursStatus.PENDING
    if _overlaps(log, windows.get(OutOfHoursRequest.Status.REJECTED, [])):
        return OutOfHoursStatus.REJECTED
    return OutOfHoursStatus.UNVERIFIED


def _reapply_ticket(ticket: Ticket, window: tuple[dt.datetime, dt.datetime]) -> None:
    """Recompute the logs a request's window touches, after the request changed status."""
    windows = _windows(ticket.pk)
    terms = BillingTerms.for_contract(ticket.contract_id)
    logs = WorkLog.objects.select_for_update().filter(
        ticket=ticket, started_at__lt=window[1], ended_at__gt=window[0]
    )
    changed = []
    for log in logs:
        _apply_rules(log, ticket.contract, windows, terms)
        changed.append(log)
    WorkLog.objects.bulk_update(
        changed,
        [
            "verified_out_of_hours_seconds",
            "out_of_hours_status",
            "billed_business_minutes",
            "billed_out_of_hours_minutes",
        ],
    )


# -- out-of-hours requests ------------------------------------------------------------------------


def _parse_hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"estimated_hours": [_("Give the hours as a number.")]}) from exc
    if not hours.is_finite() or hours <= 0 or hours > 1000:
        raise ValidationError({"estimated_hours": [_("Give between 0.01 and 1000 hours.")]})
    return hours.quantize(rules.CENT)


def raise_out_of_hours_request(
    ticket: Ticket,
    actor: User,
    *,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    reason: str,
    estimated_hours: object = None,
    worklogs: Sequence[WorkLog] = (),
    channel: str = Channel.WEB,
) -> OutOfHoursRequest:
    """Ask for (customer) or propose (contractor) work outside business hours on a ticket.

    Contract rule: such work is billed at the contract rate times the out-of-hours multiplier,
    snapshotted here so both parties approve a known price, and only after both approve. Raised
    after the fact, the request names the logs it verifies and its window spans them.
    """
    access.require_can_raise_request(actor, ticket)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the work must be done outside business hours.")]
    logs = list(worklogs)
    if any(log.ticket_id != ticket.pk for log in logs):
        errors["worklogs"] = [_("Work logs must belong to this ticket.")]
    if logs:
        window_start = window_start or min(log.started_at for log in logs)
        window_end = window_end or max(log.ended_at for log in logs)
        if estimated_hours is None:
            seconds = sum(log.out_of_hours_seconds for log in logs)
            estimated_hours = max(rules.hours(_ceil_minute(seconds)), rules.CENT)
    if window_start is None or timezone.is_naive(window_start):
        errors["window_start"] = [_("Give the start of the window with its time zone.")]
    if window_end is None or timezone.is_naive(window_end):
        errors["window_end"] = [_("Give the end of the window with its time zone.")]
    if errors:
        raise ValidationError(errors)
    assert window_start is not None and window_end is not None
    if window_end <= window_start:
        raise ValidationError({"window_end": [_("The window must end after it starts.")]})
    if window_end - window_start > MAX_WINDOW:
        raise ValidationError({"window_end": [_("One request covers at most 14 days.")]})
    if any(log.started_at < window_start or log.ended_at > window_end for log in logs):
        raise ValidationError({"worklogs": [_("The window must cover the work logs it names.")]})
    hours = _parse_hours(estimated_hours)
    contract = ticket.contract
    with transaction.atomic():
        request = OutOfHoursRequest.objects.create(
            ticket=ticket,
            raised_by=actor,
            raised_by_side=Side.CONTRACTOR if actor.is_contractor else Side.CUSTOMER,
            window_start=window_start,
            window_end=window_end,
            reason=reason.strip(),
            estimated_hours=hours,
            hourly_rate=contract.hourly_rate,
            multiplier=contract.out_of_hours_multiplier,
            out_of_hours_rate=rules.out_of_hours_rate(
                contract.hourly_rate, contract.out_of_hours_multiplier
            ),
            currency=contract.currency,
            after_the_fact=bool(logs) or window_start < timezone.now(),
        )
        if logs:
            request.worklogs.set(logs)
        events.record(
            ticket,
            actor,
            Kind.OUT_OF_HOURS_REQUESTED,
            channel,
            field="out_of_hours",
            new=_request_summary(request),
            reason=request.reason,
        )
        _reapply_ticket(ticket, (window_start, window_end))
        approvers = notify.managers() + notify.responsible_people(ticket.organization)
        notify.send(
            [p for p in approvers if p.pk != actor.pk],
            "ooh_request",
            {"req": request, "tz": contract.calendar.time_zone},
        )
    return request


def _ceil_minute(seconds: int) -> int:
    return -(-seconds // 60)


def _request_summary(request: OutOfHoursRequest) -> str:
    zone = zone_of(request.ticket.contract)
    start, end = request.window_start.astimezone(zone), request.window_end.astimezone(zone)
    return _(
        "Window %(start)s – %(end)s, about %(hours)s h at %(rate)s %(currency)s per hour "
        "(%(base)s × %(multiplier)s)"
    ) % {
        "start": start.strftime("%Y-%m-%d %H:%M"),
        "end": end.strftime("%Y-%m-%d %H:%M"),
        "hours": request.estimated_hours,
        "rate": request.out_of_hours_rate,
        "currency": request.currency,
        "base": request.hourly_rate,
        "multiplier": request.multiplier,
    }


def decide_out_of_hours_request(
    request: OutOfHoursRequest,
    actor: User,
    approve: bool,
    comment: str = "",
    channel: str = Channel.WEB,
) -> OutOfHoursRequest:
    """The customer's responsible person or a contractor manager approves or rejects.

    Contract rule: the request is approved once both sides approve, and rejected as soon as
    either rejects; each decision is an audited event on the ticket, with who and when.
    """
    side = access.approver_side(actor, request)
    if not approve and not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why you reject the request.")]})
    with transaction.atomic():
        request = (
            OutOfHoursRequest.objects.select_for_update()
            .select_related("ticket__contract__calendar", "ticket__organization")
            .get(pk=request.pk)
        )
        if request.status != OutOfHoursRequest.Status.PENDING:
            raise ValidationError(
                {
                    "status": [
                        _("This request is already %(status)s.")
                        % {"status": request.get_status_display().lower()}
                    ]
                }
            )
        if request.decision_of(side):
            raise ValidationError({"status": [_("Your side has already decided.")]})
        decision = Decision.APPROVED if approve else Decision.REJECTED
        now = timezone.now()
        prefix = "customer" if side == Side.CUSTOMER else "contractor"
        setattr(request, f"{prefix}_decision", decision)
        setattr(request, f"{prefix}_decided_by", actor)
        setattr(request, f"{prefix}_decided_at", now)
        setattr(request, f"{prefix}_comment", (comment or "").strip())
        old_status = request.status
        if decision == Decision.REJECTED:
            request.status = OutOfHoursRequest.Status.REJECTED
        elif request.customer_decision == request.contractor_decision == Decision.APPROVED:
            request.status = OutOfHoursRequest.Status.APPROVED
        request.save()
        events.record(
            request.ticket,
            actor,
            Kind.OUT_OF_HOURS_APPROVED if approve else Kind.OUT_OF_HOURS_REJECTED,
            channel,
            field="out_of_hours",
            old=old_status,
            new=request.status,
            reason=_("%(side)s: %(summary)s")
            % {
                "side": Side(side).label,
                "summary": _request_summary(request),
            }
            + (f"\n{comment.strip()}" if (comment or "").strip() else ""),
        )
        if request.status != old_status:
            _reapply_ticket(request.ticket, (request.window_start, request.window_end))
            _check_prepaid(request.ticket.contract)
    return request


def approve_out_of_hours_request(
    request: OutOfHoursRequest, actor: User, comment: str = "", channel: str = Channel.WEB
) -> OutOfHoursRequest:
    return decide_out_of_hours_request(request, actor, True, comment, channel)


def reject_out_of_hours_request(
    request: OutOfHoursRequest, actor: User, comment: str, channel: str = Channel.WEB
) -> OutOfHoursRequest:
    return decide_out_of_hours_request(request, actor, False, comment, channel)


# -- prepaid hours --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageBalance:
    package: PrepaidPackage
    used_minutes: Decimal

    @property
    def used_hours(self) -> Decimal:
        return rules.hours(self.used_minutes)  # type: ignore[arg-type]

    @property
    def left_hours(self) -> Decimal:
        return rules.money(self.package.hours - self.used_minutes / rules.MINUTES_PER_HOUR)

    @property
    def used_percent(self) -> Decimal:
        share = rules.used_share(self.used_minutes, self.package.hours * rules.MINUTES_PER_HOUR)
        return (share * 100).quantize(Decimal(1))


def _daily_usage(
    contract: Contract, since: dt.date, until: dt.date | None = None
) -> list[tuple[dt.date, Decimal]]:
    """Billed minutes per local day, out-of-hours minutes weighted by the multiplier."""
    zone = zone_of(contract)
    logs = WorkLog.objects.filter(
        contract=contract,
        started_at__gte=dt.datetime.combine(since, dt.time(), zone),
    )
    if until is not None:
        logs = logs.filter(started_at__lt=dt.datetime.combine(until, dt.time(), zone))
    rows = (
        logs.annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(b=Sum("billed_business_minutes"), o=Sum("billed_out_of_hours_minutes"))
        .order_by("day")
    )
    multiplier = contract.out_of_hours_multiplier
    return [
        (row["day"], rules.weighted_minutes(row["b"] or 0, row["o"] or 0, multiplier))
        for row in rows
    ]


def prepaid_draw(
    contract: Contract, until: dt.date | None = None
) -> tuple[list[PackageBalance], dict[dt.date, Decimal]]:
    """Each prepaid package with the minutes drawn from it (work dated before ``until``), and
    the minutes drawn per day; see ``rules.draw_down`` for the order packages are used in."""
    packages = list(PrepaidPackage.objects.filter(contract=contract).select_related("contract"))
    if not packages:
        return [], {}
    since = min(package.valid_from for package in packages)
    used, drawn = rules.draw_down(
        [package.as_rule() for package in packages], _daily_usage(contract, since, until)
    )
    return [PackageBalance(p, used[p.pk]) for p in packages], drawn


def prepaid_balance(contract: Contract) -> list[PackageBalance]:
    return prepaid_draw(contract)[0]


def _check_prepaid(contract: Contract) -> None:
    """Warn managers and the customer's responsible people once when a package passes the
    contract's threshold (80 % by default); the conditional update makes it once only."""
    if not PrepaidPackage.objects.filter(contract=contract, warned_at__isnull=True).exists():
        return
    terms = BillingTerms.for_contract(contract.pk)
    threshold = Decimal(terms.prepaid_warning_percent)
    for balance in prepaid_balance(contract):
        package = balance.package
        if package.warned_at is not None or balance.used_percent < threshold:
            continue
        claimed = PrepaidPackage.objects.filter(pk=package.pk, warned_at__isnull=True).update(
            warned_at=timezone.now()
        )
        if claimed:
            notify.send(
                notify.managers() + notify.responsible_people(contract.customer),
                "prepaid_warning",
                {
                    "package": package,
                    "used": balance.used_hours,
                    "left": balance.left_hours,
                    "percent": balance.used_percent,
                },
            )


# -- statements -----------------------------------------------------------------------------------


def month_bounds(contract: Contract, period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as instants in the contract calendar's zone: [first, after)."""
    zone = zone_of(contract)
    first = period.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time(), zone), dt.datetime.combine(
        following, dt.time(), zone
    )


LINE_FIELDS = (
    "pk",
    "ticket_id",
    "ticket__subject",
    "started_at",
    "ended_at",
    "agent__first_name",
    "agent__last_name",
    "agent__username",
    "activity",
    "description",
    "billed_business_minutes",
    "billed_out_of_hours_minutes",
    "out_of_hours_seconds",
    "verified_out_of_hours_seconds",
)


#: Columns of a statement line, in the order ``_line_rows`` builds them.
LINE_COLUMNS = (
    "statement_id",
    "worklog_id",
    "ticket_id",
    "ticket_number",
    "ticket_subject",
    "work_date",
    "started_at",
    "ended_at",
    "agent_name",
    "activity",
    "description",
    "business_minutes",
    "out_of_hours_minutes",
    "unverified_minutes",
    "hourly_rate",
    "out_of_hours_rate",
    "business_amount",
    "out_of_hours_amount",
    "amount",
    "disputed",
    "dispute_comment",
)
BUSINESS, OUT_OF_HOURS, UNVERIFIED = 11, 12, 13
BUSINESS_AMOUNT, OUT_OF_HOURS_AMOUNT = 16, 17

LineRow = tuple[object, ...]


def _line_rows(
    statement: Statement, contract: Contract, first: dt.datetime, after: dt.datetime
) -> list[LineRow]:
    """A line per billable work log of the month: billed minutes at each rate and the
    out-of-hours time that was not verified, shown but never billed.

    Plain tuples in ``LINE_COLUMNS`` order: with 100,000 logs a model instance per line would
    cost more than everything else together.
    """
    zone = zone_of(contract)
    rate, ooh_rate = statement.hourly_rate, statement.out_of_hours_rate
    logs = (
        WorkLog.objects.in_month(contract.pk, first, after)
        .filter(billable=True)
        .filter(
            Q(billed_business_minutes__gt=0)
            | Q(billed_out_of_hours_minutes__gt=0)
            | Q(out_of_hours_seconds__gt=F("verified_out_of_hours_seconds"))
        )
        .order_by("started_at", "pk")
        .values_list(*LINE_FIELDS)
    )
    rows: list[LineRow] = []
    for (
        pk,
        ticket_id,
        subject,
        start,
        end,
        first_name,
        last_name,
        username,
        activity,
        description,
        business,
        ooh,
        ooh_seconds,
        verified_seconds,
    ) in logs:
        business_amount = rules.amount(business, rate)
        ooh_amount = rules.amount(ooh, ooh_rate)
        rows.append(
            (
                statement.pk,
                pk,
                ticket_id,
                f"{TICKET_NUMBER_PREFIX}-{ticket_id}",
                subject,
                start.astimezone(zone).date(),
                start,
                end,
                f"{first_name} {last_name}".strip() or username,
                activity,
                description,
                business,
                ooh,
                _ceil_minute(ooh_seconds - verified_seconds),
                rate,
                ooh_rate,
                business_amount,
                ooh_amount,
                business_amount + ooh_amount,
                False,
                "",
            )
        )
    return rows


def generate_statement(contract: Contract, period: dt.date, actor: User | None = None) -> Statement:
    """Build (or rebuild) the contract's statement for the month of ``period``.

    A line per billable work log, totals that are the sums of the lines, and the prepaid
    hours drawn this month and left after it. An approved statement is final.
    The number of queries does not depend on the number of logs.
    """
    if actor is not None:
        access.require_can_prepare_statements(actor)
    first_day = period.replace(day=1)
    first, after = month_bounds(contract, first_day)
    terms = BillingTerms.for_contract(contract.pk)
    with transaction.atomic():
        statement = (
            Statement.objects.select_for_update()
            .filter(contract=contract, period=first_day)
            .first()
        )
        if statement is not None and statement.is_final():
            raise ValidationError(
                {"period": [_("The statement for this month is approved and final.")]}
            )
        if statement is None:
            statement = Statement(contract=contract, period=first_day)
        statement.status = Statement.Status.DRAFT
        statement.currency = contract.currency
        statement.hourly_rate = contract.hourly_rate
        statement.multiplier = contract.out_of_hours_multiplier
        statement.out_of_hours_rate = rules.out_of_hours_rate(
            contract.hourly_rate, contract.out_of_hours_multiplier
        )
        statement.rounding_minutes = terms.rounding_minutes
        statement.generated_at = timezone.now()
        statement.generated_by = actor
        statement.issued_at = statement.decided_at = None
        statement.decided_by = None
        if statement.pk is None:
            statement.save()
        else:
            statement.lines.all().delete()
        if connection.vendor == "postgresql":
            _insert_lines_in_database(statement, contract, first, after)
            _totals_from_database(statement)
        else:
            lines = _line_rows(statement, contract, first, after)
            _totals(statement, lines)
            _insert_lines(lines)
        _prepaid(statement, contract, first_day, (after - dt.timedelta(seconds=1)).date())
        statement.save()
    return statement


def _totals(statement: Statement, lines: Sequence[LineRow]) -> None:
    """The statement's totals are the sums of its lines, so they always agree to the cent."""
    statement.business_minutes = sum(cast(int, line[BUSINESS]) for line in lines)
    statement.out_of_hours_minutes = sum(cast(int, line[OUT_OF_HOURS]) for line in lines)
    statement.unverified_minutes = sum(cast(int, line[UNVERIFIED]) for line in lines)
    statement.business_amount = sum(
        (cast(Decimal, line[BUSINESS_AMOUNT]) for line in lines), rules.ZERO
    )
    statement.out_of_hours_amount = sum(
        (cast(Decimal, line[OUT_OF_HOURS_AMOUNT]) for line in lines), rules.ZERO
    )
    statement.total_amount = statement.business_amount + statement.out_of_hours_amount


def _prepaid(statement: Statement, contract: Contract, first: dt.date, last: dt.date) -> None:
    """Prepaid minutes drawn by this month's work, what they are worth, and what is left."""
    balances, drawn = prepaid_draw(contract, until=last + dt.timedelta(days=1))
    used = sum((m for day, m in drawn.items() if first <= day <= last), rules.ZERO)
    left = sum(
        (
            b.package.hours * rules.MINUTES_PER_HOUR - b.used_minutes
            for b in balances
            if b.package.valid_until >= last and b.package.valid_from <= last
        ),
        rules.ZERO,
    )
    statement.prepaid_minutes_used = used
    statement.prepaid_minutes_left = left
    covered = min(rules.amount(used, statement.hourly_rate), statement.total_amount)
    statement.prepaid_amount = covered
    statement.amount_due = statement.total_amount - covered


LINES_SQL = """
INSERT INTO {lines} ({columns})
SELECT %(statement)s, w.id, w.ticket_id, %(prefix)s || w.ticket_id, t.subject,
       (w.started_at AT TIME ZONE %(zone)s)::date, w.started_at, w.ended_at,
       COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.username),
       w.activity, w.description, w.billed_business_minutes, w.billed_out_of_hours_minutes,
       (w.out_of_hours_seconds - w.verified_out_of_hours_seconds + 59) / 60,
       %(rate)s, %(ooh_rate)s, b.amount, o.amount, b.amount + o.amount, FALSE, ''
FROM {worklogs} w
JOIN {tickets} t ON t.id = w.ticket_id
JOIN {users} u ON u.id = w.agent_id
CROSS JOIN LATERAL (
    SELECT ROUND(w.billed_business_minutes * %(rate)s::numeric / 60, 2) AS amount) b
CROSS JOIN LATERAL (
    SELECT ROUND(w.billed_out_of_hours_minutes * %(ooh_rate)s::numeric / 60, 2) AS amount) o
WHERE w.contract_id = %(contract)s AND w.started_at >= %(first)s AND w.started_at < %(after)s
  AND w.billable
  AND (w.billed_business_minutes > 0 OR w.billed_out_of_hours_minutes > 0
       OR w.out_of_hours_seconds > w.verified_out_of_hours_seconds)
"""


def _insert_lines_in_database(
    statement: Statement, contract: Contract, first: dt.datetime, after: dt.datetime
) -> None:
    """PostgreSQL: the lines of ``_line_rows`` built by one INSERT ... SELECT, so 100,000 logs
    never travel to Python and back. Same rule: numeric arithmetic is exact and ROUND(x, 2)
    rounds half away from zero, which for these non-negative amounts is ``rules.money``."""
    from secondline.accounts.models import User as UserModel

    sql = LINES_SQL.format(
        lines=StatementLine._meta.db_table,
        columns=", ".join(LINE_COLUMNS),
        worklogs=WorkLog._meta.db_table,
        tickets=Ticket._meta.db_table,
        users=UserModel._meta.db_table,
    )
    params: dict[str, Any] = {
        "statement": statement.pk,
        "prefix": f"{TICKET_NUMBER_PREFIX}-",
        "zone": contract.calendar.time_zone,
        "rate": statement.hourly_rate,
        "ooh_rate": statement.out_of_hours_rate,
        "contract": contract.pk,
        "first": first,
        "after": after,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _totals_from_database(statement: Statement) -> None:
    sums = StatementLine.objects.filter(statement=statement).aggregate(
        business=Sum("business_minutes"),
        ooh=Sum("out_of_hours_minutes"),
        unverified=Sum("unverified_minutes"),
        business_amount=Sum("business_amount"),
        ooh_amount=Sum("out_of_hours_amount"),
    )
    statement.business_minutes = sums["business"] or 0
    statement.out_of_hours_minutes = sums["ooh"] or 0
    statement.unverified_minutes = sums["unverified"] or 0
    statement.business_amount = sums["business_amount"] or rules.money(rules.ZERO)
    statement.out_of_hours_amount = sums["ooh_amount"] or rules.money(rules.ZERO)
    statement.total_amount = statement.business_amount + statement.out_of_hours_amount


def _insert_lines(lines: list[LineRow]) -> None:
    if connection.vendor == "postgresql" and len(lines) > 1000:
        _copy_lines(lines)
    else:
        StatementLine.objects.bulk_create(
            [StatementLine(**dict(zip(LINE_COLUMNS, line, strict=True))) for line in lines],
            batch_size=2000,
        )


def _copy_lines(lines: list[LineRow]) -> None:
    """Bulk insert through PostgreSQL's COPY: one statement for any number of lines."""
    table = StatementLine._meta.db_table
    columns = ", ".join(LINE_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for line in lines:
                copy.write_row(line)


def issue_statement(statement: Statement, actor: User) -> Statement:
    """A contractor manager sends the draft to the customer for approval."""
    access.require_can_prepare_statements(actor)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status not in (Statement.Status.DRAFT, Statement.Status.DISPUTED):
            raise ValidationError({"status": [_("Only a draft or disputed statement is issued.")]})
        statement.status = Statement.Status.ISSUED
        statement.issued_at = timezone.now()
        statement.save(update_fields=["status", "issued_at"])
    return statement


def _decidable(statement: Statement, actor: User, *statuses: str) -> Statement:
    access.require_can_decide_statement(actor, statement)
    statement = (
        Statement.objects.select_for_update().select_related("contract").get(pk=statement.pk)
    )
    if statement.status not in (Statement.Status.ISSUED, *statuses):
        raise ValidationError(
            {"status": [_("Only an issued statement can be approved or disputed.")]}
        )
    return statement


def approve_statement(statement: Statement, actor: User) -> Statement:
    """The customer's responsible person accepts the statement; it becomes final."""
    with transaction.atomic():
        statement = _decidable(statement, actor)
        if statement.lines.filter(disputed=True).exists():
            raise ValidationError(
                {"status": [_("Some lines are disputed; wait for the corrected statement.")]}
            )
        statement.status = Statement.Status.APPROVED
        statement.decided_by, statement.decided_at = actor, timezone.now()
        statement.save(update_fields=["status", "decided_by", "decided_at"])
    return statement


def dispute_line(
    line: StatementLine, actor: User, comment: str, channel: str = Channel.WEB
) -> StatementLine:
    """The customer's responsible person disputes one line with a comment; the statement goes
    back to the contractor, who corrects the work and issues it again."""
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what is wrong with this line.")]})
    with transaction.atomic():
        statement = _decidable(line.statement, actor, Statement.Status.DISPUTED)
        now = timezone.now()
        StatementLine.objects.filter(pk=line.pk).update(
            disputed=True, dispute_comment=comment.strip(), disputed_by=actor, disputed_at=now
        )
        statement.status = Statement.Status.DISPUTED
        statement.decided_by, statement.decided_at = actor, now
        statement.save(update_fields=["status", "decided_by", "decided_at"])
        line.refresh_from_db()
        if line.ticket is not None:
            events.record(
                line.ticket,
                actor,
                Kind.OTHER,
                channel,
                field="statement_line",
                new=f"{statement} {line.work_date} {line.amount} {statement.currency}",
                reason=_("Statement line disputed: %(comment)s")
                % {"comment": line.dispute_comment},
            )
    return line
