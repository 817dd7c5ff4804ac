"""The SLA sweep: every minute, the tickets whose next at-risk moment or deadline has come
are marked at risk or breached, once per change (``services.advance``, whose event
``receivers`` turns into the alerts).

A ticket is read only when its stored ``sla_next_check_at`` has passed (an index range), so
idle open tickets cost nothing; two sweeps at once never alert twice.

Here too the catch-up after a change of a calendar, its exceptions, a plan's targets or a
contract's calendar or plan (``recompute_open``, run by ``tasks.recompute_deadlines``): every
open ticket concerned gets its deadlines and state counted afresh.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from secondline.accounts.models import Contract
from secondline.calendar import BusinessCalendar
from secondline.sla import clock
from secondline.sla.calendars import calendar_of
from secondline.sla.models import SLAPlan, WorkingCalendar
from secondline.sla.services import ALERT_STATES, next_check, recompute, stored_clocks
from secondline.tickets.choices import OPEN_STATUSES
from secondline.tickets.locking import locked
from secondline.tickets.models import Ticket

log = logging.getLogger(__name__)

# What bad back-office data raises when a calendar is built: an unknown time zone
# (ZoneInfoNotFoundError), hours that are not "HH:MM" pairs (ValueError, TypeError).
BAD_CALENDAR = (ValueError, TypeError, ZoneInfoNotFoundError)

BATCH = 200  # tickets recomputed (and locked) per transaction of ``recompute_open``


def sweep_candidates(now: dt.datetime | None = None) -> QuerySet[Ticket]:
    """Tickets whose next at-risk moment or deadline has come: an index range on
    ``sla_next_check_at``, so idle open tickets cost the sweep nothing."""
    return (
        Ticket.objects.filter(sla_next_check_at__lte=now or timezone.now())
        .select_related("contract__calendar", "contract__sla_plan")
        .order_by("sla_next_check_at", "pk")
    )


def sweep(now: dt.datetime | None = None, tickets: Iterable[Ticket] | None = None) -> int:
    """Mark tickets at risk or breached; returns how many this sweep moved (and alerted).

    Runs every minute from celery beat; safe to run twice at once (see ``advance``). Each
    ticket looked at gets its next check moment, so it is not read again before then. A
    ticket whose calendar cannot be built is logged and skipped, never the tickets after it.
    """
    now = now or timezone.now()
    moved = 0
    for ticket in sweep_candidates(now) if tickets is None else tickets:
        calendar = _calendar(ticket.contract, f"ticket {ticket.pk} skipped")
        if calendar is None:
            continue
        clocks = stored_clocks(ticket)
        new = clock.ticket_state(calendar, clocks or [], ticket.status, now)
        if new in ALERT_STATES and new != ticket.sla_state:
            # The stored deadlines may predate a change of the calendar or the plan that
            # ``recompute_open`` has not reached yet: alert only on deadlines counted afresh.
            moved += _recompute_locked(ticket, now)
            continue
        # Conditional: a change recomputed meanwhile has set a newer moment; keep it.
        Ticket.objects.filter(pk=ticket.pk, sla_next_check_at=ticket.sla_next_check_at).update(
            sla_next_check_at=next_check(ticket, clocks, now)
        )
    return moved


def _recompute_locked(ticket: Ticket, now: dt.datetime) -> bool:
    """Recompute the ticket from its history, its row locked as a ticket verb locks it (the
    row read by the sweep may be stale); True if this moved it to at risk or breached."""
    with transaction.atomic():
        fresh = locked(ticket)
        old = fresh.sla_state
        recompute(fresh, now)  # its ``advance`` claims the change, so it is alerted once
    return fresh.sla_state != old and fresh.sla_state in ALERT_STATES


def _calendar(contract: Contract, consequence: str) -> BusinessCalendar | None:
    """The contract's business calendar, or None when bad back-office data keeps it from being
    built, logged with its ``consequence`` (a ticket skipped, deadlines kept)."""
    try:
        return calendar_of(contract)
    except BAD_CALENDAR as exc:
        log.error(
            "SLA: %s: calendar %s of contract %s cannot be built: %r",
            consequence,
            contract.calendar_id,
            contract.pk,
            exc,
        )
        return None


# -- after a change of the calendar or the plan ----------------------------------------------


def changed_contracts(scope: str, pk: int, version: str | None = None) -> QuerySet[Contract]:
    """The contracts a change of a calendar, a plan or one contract (``scope``: "calendar",
    "plan", "contract") touches. ``version`` is the stamp the change gave the calendar or
    plan: when a later change has stamped it again, that change's task does the work."""
    if scope == "contract":
        return Contract.objects.filter(pk=pk)
    model = WorkingCalendar if scope == "calendar" else SLAPlan
    rows = model.objects.filter(pk=pk)
    if version is not None and not rows.filter(version=version).exists():
        return Contract.objects.none()
    if scope == "calendar":
        return Contract.objects.filter(calendar_id=pk)
    return Contract.objects.filter(sla_plan_id=pk)


def open_tickets(contracts: QuerySet[Contract]) -> QuerySet[Ticket]:
    """The tickets of these contracts whose clocks run or stand paused. A resolved or closed
    ticket's clocks stand still and a reopening recomputes them from its filing
    (``receivers.keep_clocks_current``); a declined ticket never counts."""
    return Ticket.objects.filter(contract__in=contracts, status__in=OPEN_STATUSES)


def recompute_open(contracts: QuerySet[Contract]) -> int:
    """Recompute the deadlines and state of every open ticket of these contracts, ``BATCH``
    at a time, each batch locked for its own short transaction; returns how many.

    Contract rule: every target counts in the business time of the contract's calendar as it
    now stands (a late decree's day off moves a deadline, a breach it undoes is cleared). A
    ticket that becomes at risk or breached is alerted once: ``advance`` claims the change
    against the sweep.
    """
    usable = [
        contract.pk
        for contract in contracts.select_related("calendar")
        if _calendar(contract, f"contract {contract.pk} keeps its open tickets' deadlines")
        is not None
    ]
    ids = open_tickets(Contract.objects.filter(pk__in=usable)).order_by("pk")
    done, last = 0, 0
    # Key-set batches: a fresh indexed query each, no cursor held open across the commits.
    while batch := list(ids.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH]):
        done += _recompute_batch(batch)
        last = batch[-1]
    return done


def _recompute_batch(pks: list[int]) -> int:
    now = timezone.now()  # a batch's own moment: a long run must not judge by its start
    done = 0
    with transaction.atomic():
        rows = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("contract__calendar", "contract__sla_plan")
            .filter(pk__in=pks, status__in=OPEN_STATUSES)  # still open once locked
            .order_by("pk")
        )
        for ticket in rows:
            skipped = f"ticket {ticket.pk} skipped"
            if _calendar(ticket.contract, skipped) is not None:  # changed again, to bad data
                recompute(ticket, now)
                done += 1
    return done
