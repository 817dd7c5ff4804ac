"""``BusinessCalendar``: working hours, days off and exact business-time arithmetic.

How a date is decided, first match wins:

1. an administrator's exception ("day_off" / "working_day");
2. a special day: public holiday, transferred day off, non-working day by decree, working
   weekend day (given as mappings, or per year by ``rules``, e.g. the Russian calendar);
3. the weekly hours: a weekday with hours is a workday, one without is a weekend.

With ``shortened_pre_holiday`` a workday (or working weekend day) right before a public holiday
is one hour shorter, the hour cut from the end of the day: Labour Code of the Russian Federation,
art. 95 part 1. A working weekend day is judged as the weekday it stands in for (see
``SpecialDay.stands_in_for``): that is how the official calendars shorten Saturday 2 November 2024
(it stands in for Tuesday 30 April, the eve of 1 May) but not Saturday 27 April 2024.

Wall-clock hours become absolute instants in the calendar's time zone day by day, so a 10:00-19:00
day is nine real hours on a DST-change date too, unless the change falls inside the interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from secondline.calendar.days import (
    DEFAULT_HOURS,
    MIDNIGHT,
    WEEKDAY_NAMES,
    CalendarException,
    DayInfo,
    DayKind,
    SecondsInterval,
    Segment,
    SpecialDay,
    WeekHours,
    to_seconds,
    week_seconds,
)
from secondline.calendar.index import IntervalIndex

ONE_DAY = timedelta(days=1)
_ALWAYS_AWARE = frozenset({ZoneInfo, timezone})
_fromtimestamp = datetime.fromtimestamp
MIN_YEAR, MAX_YEAR = 2, 9997
#: The years a calendar indexes up front.
DEFAULT_YEARS = (2015, 2035)
#: Extend the index by at least this many years when a query leaves it.
EXTEND_YEARS = 10

#: Special days of one year, for calendars whose rules go on indefinitely.
YearRules = Callable[[int], Mapping[date, SpecialDay]]
_Plan = tuple[DayKind, str, tuple[SecondsInterval, ...], bool]
_Base = tuple[DayKind, str, tuple[SecondsInterval, ...], date | None]


class BusinessCalendar:
    """Working time of one schedule, with O(log n) ``add`` and ``between``.

    Keyword arguments:
        hours: wall intervals per weekday (0 = Monday); default Monday-Friday 10:00-19:00.
        tz: the schedule's time zone (name or tzinfo), default Europe/Moscow.
        holidays, transferred_days_off, non_working_days: date -> name.
        working_weekends: date -> the weekday it stands in for (or None), or plain dates.
        exceptions: ``CalendarException`` or ``(date, kind, hours, note)`` tuples.
        shortened_pre_holiday: cut an hour off the eve of a public holiday (art. 95).
        rules: year -> special days, consulted after the mappings above.
        years: the year range indexed up front; queries outside it extend the index.
    """

    def __init__(
        self,
        *,
        hours: WeekHours | None = None,
        tz: str | tzinfo = "Europe/Moscow",
        holidays: Mapping[date, str] | None = None,
        transferred_days_off: Mapping[date, str] | None = None,
        non_working_days: Mapping[date, str] | None = None,
        working_weekends: Mapping[date, date | None] | Iterable[date] | None = None,
        exceptions: Iterable[CalendarException | Sequence[object]] = (),
        shortened_pre_holiday: bool = False,
        rules: YearRules | None = None,
        years: tuple[int, int] = DEFAULT_YEARS,
    ) -> None:
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._week = week_seconds(DEFAULT_HOURS if hours is None else hours)
        self._standard = next((day for day in self._week if day), ())
        self._special = _special_days(
            holidays or {},
            transferred_days_off or {},
            non_working_days or {},
            working_weekends or {},
        )
        self._rules = rules
        self._yearly: dict[int, Mapping[date, SpecialDay]] = {}
        self._exceptions = _exceptions_by_day(exceptions)
        self._shorten = shortened_pre_holiday
        self._span = _check_years(years)
        self._last_explicit_work = _last_explicit_work(self._special, self._exceptions)
        self._index: IntervalIndex | None = None

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.tz} {self._span[0]}-{self._span[1]}>"

    # -- arithmetic ---------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest moment at which ``duration`` of business time has passed since ``start``.

        One hour from Friday 18:00 is Friday 19:00, not Monday 10:00; ``add(start, 0)`` is
        ``start``; a negative duration raises ``ValueError``.
        """
        seconds = duration.total_seconds()
        if seconds <= 0:
            return self._add_nothing(start, seconds)
        # The hot path: ~1.5 µs a call. ZoneInfo and timezone always give an offset; only
        # another tzinfo class needs asking whether it makes the datetime naive.
        tz = start.tzinfo
        if tz is None or (tz.__class__ not in _ALWAYS_AWARE and start.utcoffset() is None):
            raise _naive(start)
        t = start.timestamp()
        index = self._index
        if index is None or (result := index.add(t, seconds)) is None:
            result = self._add_extending(t, seconds)
        return _fromtimestamp(result, self.tz)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from ``start`` to ``end``; negative when ``end`` is before ``start``."""
        ta, tb = _timestamp(start), _timestamp(end)
        self._covering(ta)
        index = self._covering(tb)
        pa, pb = index.position(ta), index.position(tb)
        assert pa is not None and pb is not None  # _covering made the index span both
        return timedelta(seconds=pb - pa)

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in working hours (an interval's start in, its end out)."""
        t = _timestamp(moment)
        return bool(self._covering(t).is_open(t))

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` itself (in the calendar's zone) when open, else the next opening."""
        t = _timestamp(moment)
        index = self._covering(t)
        while (result := index.next_open(t)) is None:
            index = self._grow()
        return datetime.fromtimestamp(result, self.tz)

    # -- days ---------------------------------------------------------------------------------

    def day_info(self, day: date) -> DayInfo:
        """Kind, name and working intervals of one local date."""
        kind, name, hours, shortened = self._plan(day)
        intervals = tuple(
            (datetime.fromtimestamp(s, self.tz), datetime.fromtimestamp(e, self.tz))
            for s, e in self._instants(day, hours)
        )
        return DayInfo(day, kind, bool(intervals), name, intervals, shortened)

    def intervals(self, start_date: date, end_date: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of the local dates ``start_date`` to ``end_date`` inclusive."""
        return [
            pair for day in _dates(start_date, end_date) for pair in self.day_info(day).intervals
        ]

    def segments(self, start: datetime, end: datetime) -> list[Segment]:
        """Each local date from ``start`` to ``end`` with the business time counted on it.

        The raw material of an SLA explanation: "30 min counted on Friday; Sat-Sun off;
        Mon 4 Nov public holiday; due Tue 13:30". Days with nothing counted are included.
        """
        ta, tb = _timestamp(start), _timestamp(end)
        if tb < ta:
            raise ValueError(f"segments need start <= end, got {start} > {end}")
        first = datetime.fromtimestamp(ta, self.tz).date()
        last = datetime.fromtimestamp(tb, self.tz).date()
        return [self._segment(day, ta, tb) for day in _dates(first, last)]

    def _segment(self, day: date, ta: float, tb: float) -> Segment:
        info = self.day_info(day)
        counted = sum(
            max(min(e.timestamp(), tb) - max(s.timestamp(), ta), 0.0) for s, e in info.intervals
        )
        return Segment(day, info, timedelta(seconds=counted))

    # -- how a day is decided -----------------------------------------------------------------

    def _plan(self, day: date) -> _Plan:
        kind, name, hours, stands_in_for = self._base(day)
        if self._shorten and hours and kind in ("workday", "working_weekend"):
            eve_of = self._base((stands_in_for or day) + ONE_DAY)
            if eve_of[0] == "holiday":
                kind = "shortened" if kind == "workday" else kind
                return kind, name or f"Eve of {eve_of[1]}", _cut_last_hour(hours), True
        return kind, name, hours, False

    def _base(self, day: date) -> _Base:
        exception = self._exceptions.get(day)
        if exception is not None:
            return self._exception_day(day, exception)
        special = self._special_day(day)
        if special is None:
            hours = self._week[day.weekday()]
            return ("workday" if hours else "weekend"), "", hours, None
        if special.kind != "working_weekend":
            return special.kind, special.name, (), None
        stands_in_for = special.stands_in_for
        return "working_weekend", special.name, self._hours_of(stands_in_for or day), stands_in_for

    def _exception_day(self, day: date, exception: CalendarException) -> _Base:
        if exception.kind == "day_off":
            return "exception_day_off", exception.note or "Day off", (), None
        hours = self._hours_of(day) if exception.hours is None else to_seconds(exception.hours)
        return "exception_working_day", exception.note or "Working day", hours, None

    def _hours_of(self, day: date) -> tuple[SecondsInterval, ...]:
        """The weekday's hours, or the standard hours when that weekday has none."""
        return self._week[day.weekday()] or self._standard

    def _special_day(self, day: date) -> SpecialDay | None:
        special = self._special.get(day)
        if special is None and self._rules is not None:
            year = self._yearly.get(day.year)
            if year is None:
                year = self._yearly[day.year] = self._rules(day.year)
            special = year.get(day)
        return special

    def _instants(self, day: date, hours: Sequence[SecondsInterval]) -> list[tuple[float, float]]:
        """Wall intervals as epoch seconds; intervals swallowed by a DST gap shrink or vanish."""
        result: list[tuple[float, float]] = []
        previous_end = float("-inf")
        for start_s, end_s in hours:
            start, end = max(self._wall(day, start_s), previous_end), self._wall(day, end_s)
            if end > start:
                result.append((start, end))
                previous_end = end
        return result

    def _wall(self, day: date, seconds: int) -> float:
        if seconds == MIDNIGHT:
            day, seconds = day + ONE_DAY, 0
        h, m, s = seconds // 3600, seconds // 60 % 60, seconds % 60
        return datetime(day.year, day.month, day.day, h, m, s, tzinfo=self.tz).timestamp()

    # -- the index ----------------------------------------------------------------------------

    def _add_nothing(self, start: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError(f"duration must not be negative, got {timedelta(seconds=seconds)}")
        _timestamp(start)
        return start.astimezone(self.tz)

    def _add_extending(self, t: float, seconds: float) -> float:
        index = self._covering(t)
        while (result := index.add(t, seconds)) is None:
            index = self._grow()
        return result

    def _covering(self, t: float) -> IntervalIndex:
        """The index, extended when needed so that it covers the instant ``t``."""
        index = self._index or self._rebuild(*self._span)
        if index.lo <= t < index.hi:
            return index
        year = self._local_year(t)
        first, last = self._span
        if t < index.lo:
            return self._rebuild(max(MIN_YEAR, min(first - EXTEND_YEARS, year - 1)), last)
        return self._rebuild(first, min(MAX_YEAR, max(last + EXTEND_YEARS, year + 1)))

    def _grow(self) -> IntervalIndex:
        """Double the index forwards: a query needs business time past its end."""
        first, last = self._span
        if last >= MAX_YEAR or not self._works_after(last):
            raise ValueError(f"the calendar has no business time after the year {last}")
        return self._rebuild(first, min(MAX_YEAR, last + max(EXTEND_YEARS, last - first + 1)))

    def _works_after(self, year: int) -> bool:
        """Whether any day after ``year`` can be working: always with weekly hours; without
        them, only the dates given as working (exceptions, working weekend days) are."""
        if any(self._week):
            return True
        return self._last_explicit_work is not None and self._last_explicit_work.year > year

    def _rebuild(self, first: int, last: int) -> IntervalIndex:
        self._span = (first, last)
        self._index = IntervalIndex(
            self._walk(first, last),
            self._wall(date(first, 1, 1), 0),
            self._wall(date(last + 1, 1, 1), 0),
        )
        return self._index

    def _walk(self, first: int, last: int) -> Iterable[tuple[float, float]]:
        previous_end = float("-inf")
        for day in _dates(date(first, 1, 1), date(last, 12, 31)):
            for start, end in self._instants(day, self._plan(day)[2]):
                if end > max(start, previous_end):
                    yield max(start, previous_end), end
                    previous_end = end

    def _local_year(self, t: float) -> int:
        try:
            year = datetime.fromtimestamp(t, self.tz).year
        except (OverflowError, OSError, ValueError):
            year = 0
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"the calendar works with the years {MIN_YEAR}-{MAX_YEAR} only")
        return year


def _timestamp(moment: datetime) -> float:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _naive(moment)
    return moment.timestamp()


def _naive(moment: datetime) -> ValueError:
    return ValueError(
        f"naive datetime {moment.isoformat()}: pass an aware datetime, "
        "e.g. with tzinfo=ZoneInfo('Europe/Moscow')"
    )


def _dates(first: date, last: date) -> Iterable[date]:
    if last < first:
        raise ValueError(f"date range ends before it starts: {first} > {last}")
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _cut_last_hour(hours: tuple[SecondsInterval, ...]) -> tuple[SecondsInterval, ...]:
    """The working hours less one hour taken from the end of the day (art. 95 part 1)."""
    kept, cut = list(hours), 3600
    while kept and cut:
        start, end = kept.pop()
        if end - start > cut:
            kept.append((start, end - cut))
            cut = 0
        else:
            cut -= end - start
    return tuple(kept)


def _special_days(
    holidays: Mapping[date, str],
    transferred: Mapping[date, str],
    decrees: Mapping[date, str],
    working: Mapping[date, date | None] | Iterable[date],
) -> dict[date, SpecialDay]:
    """Merge the special-day mappings; a holiday beats a transferred day off, which beats a
    decree's non-working day, which beats a working weekend day."""
    if not isinstance(working, Mapping):
        working = dict.fromkeys(working)
    special = {
        day: SpecialDay("working_weekend", f"Working {WEEKDAY_NAMES[day.weekday()]}", stand_in)
        for day, stand_in in working.items()
    }
    special |= {day: SpecialDay("non_working_decree", name) for day, name in decrees.items()}
    special |= {day: SpecialDay("transferred_day_off", name) for day, name in transferred.items()}
    special |= {day: SpecialDay("holiday", name) for day, name in holidays.items()}
    return special


def _exceptions_by_day(
    exceptions: Iterable[CalendarException | Sequence[object]],
) -> dict[date, CalendarException]:
    by_day: dict[date, CalendarException] = {}
    for value in exceptions:
        exception = CalendarException.coerce(value)
        if exception.day in by_day:
            raise ValueError(f"two calendar exceptions for {exception.day}")
        by_day[exception.day] = exception
    return by_day


def _last_explicit_work(
    special: Mapping[date, SpecialDay], exceptions: Mapping[date, CalendarException]
) -> date | None:
    """The last date given as working, for a calendar without weekly hours; else None."""
    explicit = [day for day, s in special.items() if s.kind == "working_weekend"]
    explicit += [day for day, e in exceptions.items() if e.kind == "working_day"]
    return max(explicit, default=None)


def _check_years(years: tuple[int, int]) -> tuple[int, int]:
    first, last = years
    if not MIN_YEAR <= first <= last <= MAX_YEAR:
        raise ValueError(f"years must satisfy {MIN_YEAR} <= first <= last <= {MAX_YEAR}")
    return first, last
