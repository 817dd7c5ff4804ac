"""Out-of-hours requests: work outside business hours asked for by the customer or proposed by
the contractor, and its two-party verification (the customer's responsible person and a
contractor manager must both approve before such work is billed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, User
from secondline.billing import access, events, notify, rules
from secondline.billing.models import OutOfHoursRequest, WorkLog
from secondline.billing.periods import approved_months, zone_of
from secondline.billing.prepaid import check_prepaid
from secondline.billing.worklogs import reapply_rules
from secondline.common.moments import out_of_span
from secondline.sla.calendars import calendar_of
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce

Side = OutOfHoursRequest.Side
Decision = OutOfHoursRequest.Decision

#: The longest out-of-hours window one request may cover.
MAX_WINDOW = dt.timedelta(days=14)


def _parse_hours(value: object) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"estimated_hours": [_("Give the hours as a number.")]}) from exc
    if not hours.is_finite() or hours <= 0 or hours > 1000:
        raise ValidationError({"estimated_hours": [_("Give between 0.01 and 1000 hours.")]})
    return hours.quantize(rules.CENT)


def _estimate(
    contract: Contract, logs: Sequence[WorkLog], start: dt.datetime, end: dt.datetime
) -> Decimal:
    """The hours of a request raised for logged work: their out-of-hours time, at most what
    the window holds (two agents working at once log more hours than the window has)."""
    seconds = sum(log.out_of_hours_seconds for log in logs)
    window = rules.split(calendar_of(contract), start, end).out_of_hours
    held = rules.hours_up(int(window.total_seconds()))
    return max(min(rules.hours(rules.ceil_minutes(seconds)), held), rules.CENT)


def _check_window(
    contract: Contract, start: dt.datetime, end: dt.datetime, estimated_hours: Decimal
) -> None:
    """Contract rule: out-of-hours work is asked for outside the business hours of the
    contract's calendar, so the window must hold such time and the estimate must fit in it."""
    outside = rules.split(calendar_of(contract), start, end).out_of_hours
    seconds = int(outside.total_seconds())
    if not seconds:
        raise ValidationError(
            {
                "window_start": [
                    _(
                        "The whole window lies within business hours of the contract's "
                        "calendar; out-of-hours work is asked for outside them."
                    )
                ]
            }
        )
    if not rules.estimate_fits(estimated_hours, seconds):
        raise ValidationError(
            {
                "estimated_hours": [
                    _(
                        "The window holds %(hours)s h outside business hours; the estimate "
                        "must fit in it."
                    )
                    % {"hours": rules.hours_up(seconds)}
                ]
            }
        )


#: The longest reason a request gives (the API's and the page's limit too).
REASON_LIMIT = 5000


def _window_errors(ticket: Ticket, start: dt.datetime, end: dt.datetime) -> dict[str, list[str]]:
    """Why a window is none for this ticket, per field: its times lie in the span of the desk's
    records, and only work on a filed ticket is billed, so it starts no earlier than the minute
    the ticket was filed; a pending request for the same window is not asked for again."""
    errors = {
        name: [reason]
        for name, moment in (("window_start", start), ("window_end", end))
        if (reason := out_of_span(moment))
    }
    if errors:
        return errors
    if start < ticket.created_at.replace(second=0, microsecond=0):
        local = timezone.localtime(ticket.created_at, zone_of(ticket.contract))
        filed = local.strftime("%Y-%m-%d %H:%M")
        message = _("The ticket was filed at %(filed)s; the window cannot start before it.")
        return {"window_start": [message % {"filed": filed}]}
    pending = OutOfHoursRequest.objects.filter(
        ticket=ticket, status=OutOfHoursRequest.Status.PENDING, window_start=start, window_end=end
    )
    if pending.exists():
        return {"window_start": [_("A pending request already asks for this window.")]}
    return {}


def _closed_month_error(contract: Contract, start: dt.datetime, end: dt.datetime) -> str | None:
    """Why out-of-hours work in the window can no longer be verified, or None.

    Contract rule: an approved statement is final, so work of its month is neither asked for
    nor approved any more (approving it would bill minutes and draw prepaid hours that no
    statement shows). A window lasts at most 14 days, so its first and last moments name every
    month it touches.
    """
    closed = approved_months(contract, start, end - dt.timedelta(microseconds=1))
    if not closed:
        return None
    return _(
        "The statement for %(month)s is approved and final: out-of-hours work in that month can "
        "no longer be asked for or approved. A manager can correct the approved statement "
        "instead (the correction is carried to the next statement)."
    ) % {"month": f"{min(closed):%Y-%m}"}


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
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = [_("Keep the reason under 5,000 characters.")]
    logs = list(worklogs)
    if any(log.ticket_id != ticket.pk for log in logs):
        errors["worklogs"] = [_("Work logs must belong to this ticket.")]
    if logs:
        window_start = window_start or min(log.started_at for log in logs)
        window_end = window_end or max(log.ended_at for log in logs)
    if window_start is None or timezone.is_naive(window_start):
        errors["window_start"] = [_("Give the start of the window with its time zone.")]
    if window_end is None or timezone.is_naive(window_end):
        errors["window_end"] = [_("Give the end of the window with its time zone.")]
    if errors:
        raise ValidationError(errors)
    assert window_start is not None and window_end is not None
    if errors := _window_errors(ticket, window_start, window_end):
        raise ValidationError(errors)
    if window_end <= window_start:
        raise ValidationError({"window_end": [_("The window must end after it starts.")]})
    if window_end - window_start > MAX_WINDOW:
        raise ValidationError({"window_end": [_("One request covers at most 14 days.")]})
    if any(log.started_at < window_start or log.ended_at > window_end for log in logs):
        raise ValidationError({"worklogs": [_("The window must cover the work logs it names.")]})
    contract = ticket.contract
    if closed := _closed_month_error(contract, window_start, window_end):
        raise ValidationError({"window_start": [closed]})
    if estimated_hours is None and logs:
        estimated_hours = _estimate(contract, logs, window_start, window_end)
    hours = _parse_hours(estimated_hours)
    _check_window(contract, window_start, window_end, hours)
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
        event = events.out_of_hours_requested(request, actor, channel)
        reapply_rules(ticket, (window_start, window_end))
        approvers = notify.managers() + notify.responsible_people(ticket.organization)
        notify.send(
            [p for p in approvers if p.pk != actor.pk],
            "ooh_request",
            {"req": request, "tz": contract.calendar.time_zone},
        )
        announce(event)
    return request


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
        contract = request.ticket.contract
        if closed := _closed_month_error(contract, request.window_start, request.window_end):
            raise ValidationError({"status": [closed]})
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
        event = events.out_of_hours_decided(
            request,
            actor,
            channel,
            approve=approve,
            side=side,
            old_status=old_status,
            comment=(comment or "").strip(),
        )
        if request.status != old_status:
            reapply_rules(request.ticket, (request.window_start, request.window_end))
            check_prepaid(request.ticket.contract)
        announce(event)
    return request


def approve_out_of_hours_request(
    request: OutOfHoursRequest, actor: User, comment: str = "", channel: str = Channel.WEB
) -> OutOfHoursRequest:
    return decide_out_of_hours_request(request, actor, True, comment, channel)


def reject_out_of_hours_request(
    request: OutOfHoursRequest, actor: User, comment: str, channel: str = Channel.WEB
) -> OutOfHoursRequest:
    return decide_out_of_hours_request(request, actor, False, comment, channel)
