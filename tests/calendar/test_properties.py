"""Properties of the calendar, checked against a slow minute-by-minute reference.

The reference shares no code with the calendar: it steps through real (UTC) minutes, reads each
one's wall-clock time in the zone, and asks python-holidays and the decree list of this file
whether the local date is worked. A whole-minute start plus whole minutes of work then ends on
exactly the minute the calendar must return.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from secondline.calendar import BusinessCalendar, russian_calendar

UTC = ZoneInfo("UTC")
MSK = ZoneInfo("Europe/Moscow")
MINUTE = timedelta(minutes=1)

RU = holidays.Russia(years=range(2018, 2028))
DECREES = [  # presidential non-working days, written out again from the decrees
    (date(2020, 3, 30), date(2020, 4, 30)),
    (date(2020, 5, 6), date(2020, 5, 8)),
    (date(2020, 6, 24), date(2020, 6, 24)),
    (date(2020, 7, 1), date(2020, 7, 1)),
    (date(2021, 5, 4), date(2021, 5, 7)),
    (date(2021, 10, 30), date(2021, 11, 7)),
]

#: Weekday -> working minutes of the day as (from, to) minute-of-day ranges.
Schedule = dict[int, list[tuple[int, int]]]
OFFICE: Schedule = {d: [(600, 1140)] for d in range(5)}  # 10:00-19:00
NIGHT_SHIFT: Schedule = {**OFFICE, 6: [(60, 300)]}  # and Sunday 01:00-05:00, across DST


def russian_day(day: date) -> str:
    """ "off", "as_weekday" (a working weekend day) or "normal" (as its weekday goes)."""
    if any(first <= day <= last for first, last in DECREES):
        return "off"
    if day in RU.weekend_workdays:
        return "as_weekday"
    return "off" if day in RU else "normal"


class Reference:
    """Is this real minute worked? Asked of every minute, one after the other."""

    def __init__(self, tz: ZoneInfo, schedule: Schedule, day_kind: Callable[[date], str]):
        self.tz, self.schedule, self.day_kind = tz, schedule, day_kind

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        kind = self.day_kind(local.date())
        if kind == "off":
            return False
        ranges = (
            self.schedule[0] if kind == "as_weekday" else self.schedule.get(local.weekday(), [])
        )
        minute = local.hour * 60 + local.minute
        return any(a <= minute < b for a, b in ranges)

    def add(self, start: datetime, minutes: int) -> datetime:
        moment = start
        while minutes:
            if self.open_at(moment):
                minutes -= 1
            elif self.day_kind(moment.astimezone(self.tz).date()) == "off":
                moment = self.next_midnight(moment)
                continue
            moment += MINUTE
        return moment

    def next_midnight(self, moment: datetime) -> datetime:
        tomorrow = moment.astimezone(self.tz).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(0), self.tz).astimezone(UTC)


def calendar_of(schedule: Schedule, tz: ZoneInfo) -> BusinessCalendar:
    return BusinessCalendar(
        tz=tz,
        hours={
            d: [(time(a // 60, a % 60), time(b // 60 % 24, b % 60)) for a, b in ranges]
            for d, ranges in schedule.items()
        },
    )


RUSSIA = russian_calendar()
RUSSIA_REF = Reference(MSK, OFFICE, russian_day)
DST_ZONES = [ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
DST_CALENDARS = {
    tz.key: (calendar_of(NIGHT_SHIFT, tz), Reference(tz, NIGHT_SHIFT, lambda day: "normal"))
    for tz in DST_ZONES
}
DST_DAYS = [
    date(2024, 3, 31),
    date(2024, 10, 27),
    date(2024, 3, 10),
    date(2024, 11, 3),
    date(2025, 3, 30),
    date(2025, 10, 26),
]


def minutes_from(first: datetime, last: datetime) -> st.SearchStrategy[datetime]:
    span = int((last - first) / MINUTE)
    return st.integers(0, span).map(lambda n: first + n * MINUTE)


WHOLE_MINUTES_2019_2026 = minutes_from(
    datetime(2018, 12, 31, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
)
NEAR_DST = st.sampled_from(DST_DAYS).flatmap(
    lambda day: minutes_from(
        datetime.combine(day - timedelta(days=4), time(0), UTC),
        datetime.combine(day + timedelta(days=2), time(0), UTC),
    )
)
ANY_MOMENT = st.datetimes(
    min_value=datetime(2018, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC)
)
DURATION = st.timedeltas(min_value=timedelta(), max_value=timedelta(days=120))


@settings(max_examples=60, deadline=None)
@given(start=WHOLE_MINUTES_2019_2026, minutes=st.integers(0, 3 * 540))
def test_add_agrees_with_the_reference_on_the_russian_calendar(
    start: datetime, minutes: int
) -> None:
    expected = RUSSIA_REF.add(start, minutes)
    assert RUSSIA.add(start, minutes * MINUTE).timestamp() == expected.timestamp()


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(sorted(DST_CALENDARS)), start=NEAR_DST, minutes=st.integers(0, 1500))
def test_add_agrees_with_the_reference_across_dst(zone: str, start: datetime, minutes: int) -> None:
    cal, reference = DST_CALENDARS[zone]
    assert cal.add(start, minutes * MINUTE).timestamp() == reference.add(start, minutes).timestamp()


@settings(max_examples=150, deadline=None)
@given(moment=st.one_of(WHOLE_MINUTES_2019_2026, NEAR_DST))
def test_is_open_agrees_with_the_reference(moment: datetime) -> None:
    assert RUSSIA.is_open(moment) is RUSSIA_REF.open_at(moment)
    for cal, reference in DST_CALENDARS.values():
        assert cal.is_open(moment) is reference.open_at(moment)


@settings(max_examples=300, deadline=None)
@given(start=ANY_MOMENT, duration=DURATION)
def test_between_inverts_add(start: datetime, duration: timedelta) -> None:
    end = RUSSIA.add(start, duration)
    assert RUSSIA.between(start, end) == duration
    assert RUSSIA.between(end, start) == -duration


@settings(max_examples=200, deadline=None)
@given(a=ANY_MOMENT, b=ANY_MOMENT, duration=DURATION)
def test_add_is_monotonic_in_the_start(a: datetime, b: datetime, duration: timedelta) -> None:
    a, b = sorted((a, b))
    assert RUSSIA.add(a, duration) <= RUSSIA.add(b, duration)


@settings(max_examples=200, deadline=None)
@given(start=ANY_MOMENT, d1=DURATION, d2=DURATION)
def test_add_is_monotonic_in_the_duration(start: datetime, d1: timedelta, d2: timedelta) -> None:
    d1, d2 = sorted((d1, d2))
    assert RUSSIA.add(start, d1) <= RUSSIA.add(start, d2)


@settings(max_examples=200, deadline=None)
@given(a=ANY_MOMENT, b=ANY_MOMENT, c=ANY_MOMENT)
def test_between_adds_up(a: datetime, b: datetime, c: datetime) -> None:
    assert RUSSIA.between(a, b) + RUSSIA.between(b, c) == RUSSIA.between(a, c)


@settings(max_examples=100, deadline=None)
@given(moment=ANY_MOMENT)
def test_next_open_is_open_and_nothing_is_worked_before_it(moment: datetime) -> None:
    opening = RUSSIA.next_open(moment)
    assert RUSSIA.is_open(opening)
    assert RUSSIA.between(moment, opening) == timedelta()


@settings(max_examples=50, deadline=None)
@given(start=ANY_MOMENT, end=ANY_MOMENT)
def test_segments_add_up_to_between(start: datetime, end: datetime) -> None:
    start, end = sorted((start, end))
    end = min(end, start + timedelta(days=60))
    segments = RUSSIA.segments(start, end)
    assert sum((s.counted for s in segments), timedelta()) == RUSSIA.between(start, end)
    assert [s.day for s in segments] == sorted({s.day for s in segments})
