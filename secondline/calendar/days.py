"""Plain value types of the business calendar: working hours, special days, day reports.

Pure Python, no Django import: the Django side builds these from its models and reads them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal, get_args

#: What a day is (see ``BusinessCalendar.day_info``). "shortened" is a workday one hour short
#: as the eve of a public holiday; a shortened working weekend day keeps "working_weekend" and
#: says ``shortened=True``.
DayKind = Literal[
    "workday",
    "weekend",
    "holiday",
    "transferred_day_off",
    "working_weekend",
    "non_working_decree",
    "exception_day_off",
    "exception_working_day",
    "shortened",
]
ExceptionKind = Literal["day_off", "working_day"]
SpecialKind = Literal["holiday", "transferred_day_off", "non_working_decree", "working_weekend"]

#: A working interval as local wall-clock times; an end of ``time(0)`` means midnight (24:00).
WallInterval = tuple[time, time]
#: Working hours per weekday, 0 = Monday; a weekday that is missing or empty is a day off.
WeekHours = Mapping[int, Sequence[WallInterval]]
#: Wall intervals in seconds since local midnight, end up to 86 400: the form used inside.
SecondsInterval = tuple[int, int]

DEFAULT_HOURS: WeekHours = {weekday: ((time(10), time(19)),) for weekday in range(5)}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIDNIGHT = 24 * 3600


def real_time(start: datetime, end: datetime) -> timedelta:
    """``end - start`` in absolute time: Python subtracts two datetimes of the same tzinfo as
    wall clocks, which is an hour off across a DST change."""
    return timedelta(seconds=end.timestamp() - start.timestamp())


def to_seconds(intervals: Iterable[WallInterval]) -> tuple[SecondsInterval, ...]:
    """Validate wall intervals and turn them into sorted (start, end) seconds since midnight.

    Each interval must lie within one day (split overnight shifts at midnight), end after it
    starts, not overlap the others, and use whole seconds and naive times.
    """
    result = sorted(_interval_seconds(start, end) for start, end in intervals)
    for (_, previous_end), (start, _) in pairwise(result):
        if start < previous_end:
            raise ValueError(f"working intervals overlap: {_fmt(result)}")
    return tuple(result)


def _interval_seconds(start: time, end: time) -> SecondsInterval:
    for value in (start, end):
        if not isinstance(value, time) or value.tzinfo is not None or value.microsecond:
            raise ValueError(f"working hours need naive whole-second times, got {value!r}")
    start_s = start.hour * 3600 + start.minute * 60 + start.second
    end_s = end.hour * 3600 + end.minute * 60 + end.second or MIDNIGHT
    if end_s <= start_s:
        raise ValueError(f"working interval {start}-{end} ends before it starts")
    return start_s, end_s


def _fmt(intervals: Sequence[SecondsInterval]) -> str:
    return ", ".join(
        f"{s // 3600:02}:{s % 3600 // 60:02}-{e // 3600:02}:{e % 3600 // 60:02}"
        for s, e in intervals
    )


def week_seconds(hours: WeekHours) -> tuple[tuple[SecondsInterval, ...], ...]:
    """Validate a weekly schedule and return seven tuples of second intervals, Monday first."""
    unknown = set(hours) - set(range(7))
    if unknown:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(unknown)}")
    return tuple(to_seconds(hours.get(weekday, ())) for weekday in range(7))


@dataclass(frozen=True, slots=True)
class CalendarException:
    """An administrator's correction of one day: a company day off or an extra working day.

    ``hours`` (wall intervals) only for ``"working_day"``; ``None`` means the weekday's normal
    hours, or the calendar's standard hours when that weekday has none.
    """

    day: date
    kind: ExceptionKind
    hours: tuple[WallInterval, ...] | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in get_args(ExceptionKind):
            raise ValueError(
                f"exception kind must be 'day_off' or 'working_day', not {self.kind!r}"
            )
        if self.hours is not None:
            if self.kind == "day_off":
                raise ValueError(f"a day off ({self.day}) takes no working hours")
            object.__setattr__(self, "hours", tuple(self.hours))
            to_seconds(self.hours)

    @classmethod
    def coerce(cls, value: CalendarException | Sequence[object]) -> CalendarException:
        """Accept a ``CalendarException`` or a plain ``(date, kind, hours, note)`` tuple."""
        if isinstance(value, CalendarException):
            return value
        return cls(*value)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day that an official calendar treats apart from its weekday.

    ``stands_in_for`` is set on a working weekend day: the weekday whose day off moved onto it
    (a decree "moves the day off from Saturday 2 November to Tuesday 30 April"), so the
    weekend day works like that weekday, with its hours and its pre-holiday shortening.
    """

    kind: SpecialKind
    name: str
    stands_in_for: date | None = None


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one local date; the intervals are aware datetimes."""

    day: date
    kind: DayKind
    is_working: bool
    name: str
    intervals: tuple[tuple[datetime, datetime], ...]
    shortened: bool = False

    @property
    def business_time(self) -> timedelta:
        """Total working time of the day, in real time (see ``real_time``)."""
        return sum((real_time(start, end) for start, end in self.intervals), timedelta())


@dataclass(frozen=True, slots=True)
class Segment:
    """One local date of a span: the day and how much business time of the span fell on it."""

    day: date
    info: DayInfo
    counted: timedelta
