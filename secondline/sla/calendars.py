"""Build the pure-Python BusinessCalendar of a contract from its WorkingCalendar row.

Calendars are cached per process and rebuilt when the row or its exceptions change: the row's
``version`` stamp changes with either (see ``sla.cache``), so a cache hit needs no query.
"""

from __future__ import annotations

import datetime as dt
import uuid

from secondline import calendar as bc
from secondline.accounts.models import Contract
from secondline.sla.cache import VersionedCache
from secondline.sla.models import CalendarException, WorkingCalendar


def _hours(row: WorkingCalendar) -> dict[int, list[tuple[dt.time, dt.time]]]:
    return {
        int(day): [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in intervals]
        for day, intervals in (row.weekly_hours or {}).items()
    }


def _exceptions(row: WorkingCalendar) -> list[bc.CalendarException]:
    result = []
    for exc in row.exceptions.all():
        hours = None
        if exc.kind == CalendarException.Kind.WORKING_DAY and exc.opens_at and exc.closes_at:
            hours = ((exc.opens_at, exc.closes_at),)
        kind = "day_off" if exc.kind == CalendarException.Kind.DAY_OFF else "working_day"
        result.append(bc.CalendarException(exc.date, kind, hours, exc.note))  # type: ignore[arg-type]
    return result


def build(row: WorkingCalendar) -> bc.BusinessCalendar:
    if row.country == WorkingCalendar.Country.RUSSIA:
        return bc.russian_calendar(
            tz=row.time_zone,
            hours=_hours(row),
            exceptions=_exceptions(row),
            shortened_pre_holiday=row.shortened_pre_holidays,
        )
    return bc.BusinessCalendar(
        tz=row.time_zone,
        hours=_hours(row),
        exceptions=_exceptions(row),
        shortened_pre_holiday=row.shortened_pre_holidays,
    )


def _load(pk: int) -> tuple[uuid.UUID | None, bc.BusinessCalendar]:
    # A fresh row, so a caller holding an outdated one still gets today's calendar.
    row = WorkingCalendar.objects.get(pk=pk)
    return row.version, build(row)


CALENDARS: VersionedCache[bc.BusinessCalendar] = VersionedCache(_load)


def calendar_of(contract: Contract) -> bc.BusinessCalendar:
    """The business calendar every time target of this contract is counted in."""
    return business_calendar(contract.calendar)


def business_calendar(row: WorkingCalendar) -> bc.BusinessCalendar:
    """The calendar for this row, from the cache while the row and its exceptions are unchanged."""
    if row.pk is None:
        return build(row)
    return CALENDARS.get(row.pk, row.version)
