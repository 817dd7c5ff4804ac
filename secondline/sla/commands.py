"""What the ``sla`` and ``calendar`` commands share: finding the contract, plan and calendar."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.db.models import Q

from secondline.accounts.models import Contract
from secondline.calendar import BusinessCalendar
from secondline.common.ids import row_id
from secondline.common.moments import out_of_span
from secondline.sla.calendars import business_calendar
from secondline.sla.models import SLAPlan, WorkingCalendar

DEFAULT_PLAN = "Standard"
DEFAULT_CALENDAR = "Russia, Moscow 10:00-19:00"


def find_contract(reference: str) -> Contract:
    """A contract by its id or its number."""
    pk = row_id(reference)
    match = Q(number=reference) | (Q(pk=pk) if pk else Q())
    contract = (
        Contract.objects.filter(match)
        .select_related("calendar", "sla_plan", "customer")
        .prefetch_related("sla_plan__targets", "calendar__exceptions")
        .first()
    )
    if contract is None:
        raise CommandError(f"no contract with the id or number {reference!r}")
    return contract


def default_plan() -> SLAPlan:
    plan = SLAPlan.objects.prefetch_related("targets").filter(name=DEFAULT_PLAN).first()
    if plan is None:
        raise CommandError(f"the default SLA plan {DEFAULT_PLAN!r} is missing; give --contract")
    return plan


def default_calendar() -> WorkingCalendar:
    row = WorkingCalendar.objects.prefetch_related("exceptions").filter(name=DEFAULT_CALENDAR)
    found = row.first() or WorkingCalendar.objects.prefetch_related("exceptions").first()
    if found is None:
        raise CommandError("no business calendar is set up; run `secondline migrate`")
    return found


def calendar_and_plan(contract: str | None) -> tuple[WorkingCalendar, BusinessCalendar, SLAPlan]:
    if contract:
        found = find_contract(contract)
        return found.calendar, business_calendar(found.calendar), found.sla_plan
    row = default_calendar()
    return row, business_calendar(row), default_plan()


def aware_moment(text: str) -> dt.datetime:
    """An ISO 8601 moment with its offset; a naive one is refused (times are never guessed)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--at {text!r} is not an ISO 8601 time; write e.g. 2026-12-31T18:30+03:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CommandError(
            f"--at {text!r} has no time zone; add the offset, e.g. {text}+03:00 for Moscow"
        )
    if reason := out_of_span(moment):
        raise CommandError(f"--at {text!r}: {reason}")
    return moment
