"""Build the pure-Python BusinessCalendar of a contract from its WorkingCalendar row.

Calendars are cached per process and rebuilt when the row or its exceptions change.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from secondline import calendar as bc
from secondline.sla.models import CalendarException, WorkingCalendar

_cache: dict[int, tuple[tuple[Any, ...], bc.BusinessCalendar]] = {}
_lock = threading.Lock()


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


def _version(row: WorkingCalendar) -> tuple[Any, ...]:
    stamps = [(e.pk, e.date, e.kind, e.opens_at, e.closes_at) for e in row.exceptions.all()]
    return (row.updated_at, tuple(stamps))


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


def business_calendar(row: WorkingCalendar) -> bc.BusinessCalendar:
    """The calendar for this row, from the cache while the row and its exceptions are unchanged."""
    version = _version(row)
    cached = _cache.get(row.pk)
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        calendar = build(row)
        _cache[row.pk] = (version, calendar)
    return calendar
