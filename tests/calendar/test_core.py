"""BusinessCalendar on plain schedules: table-driven, one row per rule it exercises."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from secondline.calendar import BusinessCalendar, CalendarException

MSK = ZoneInfo("Europe/Moscow")
UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
S = timedelta(seconds=1)


def at(text: str, tz: ZoneInfo = MSK) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


PLAIN = BusinessCalendar()  # Monday-Friday 10:00-19:00 Moscow, no holidays

ADD_CASES = [
    # (start, duration, expected, rule)
    ("2024-11-01 18:00", H, "2024-11-01 19:00", "ends at closing time, not at the next opening"),
    ("2024-11-01 18:30", H, "2024-11-04 10:30", "carries over the weekend"),
    ("2024-11-02 12:00", H, "2024-11-04 11:00", "a start on a weekend counts from the opening"),
    ("2024-11-04 09:00", 30 * MIN, "2024-11-04 10:30", "a start before opening"),
    ("2024-11-04 19:00", S, "2024-11-05 10:00:01", "a start at closing time"),
    ("2024-11-04 10:00", 9 * H, "2024-11-04 19:00", "a whole day"),
    ("2024-11-04 10:00", 9 * H + S, "2024-11-05 10:00:01", "a whole day and a second"),
    ("2024-11-04 12:00", 45 * H, "2024-11-11 12:00", "a working week"),
    ("2024-11-06 12:00:00.25", timedelta(microseconds=1), "2024-11-06 12:00:00.250001", "µs"),
    ("2024-12-31 18:00", 2 * H, "2025-01-01 11:00", "a year end (no holidays here)"),
    ("2024-01-01 00:00", 262 * 9 * H, "2024-12-31 19:00", "a whole year of 262 weekdays"),
]


@pytest.mark.parametrize(("start", "duration", "expected", "rule"), ADD_CASES)
def test_add(start: str, duration: timedelta, expected: str, rule: str) -> None:
    assert PLAIN.add(at(start), duration) == at(expected), rule


@pytest.mark.parametrize(("start", "duration", "expected", "rule"), ADD_CASES)
def test_between_inverts_add(start: str, duration: timedelta, expected: str, rule: str) -> None:
    assert PLAIN.between(at(start), at(expected)) == duration, rule
    assert PLAIN.between(at(expected), at(start)) == -duration, rule


def test_results_are_in_the_calendar_time_zone() -> None:
    result = PLAIN.add(datetime(2024, 11, 1, 15, tzinfo=UTC), H)
    assert result.tzinfo is MSK
    assert result == at("2024-11-01 19:00")


@pytest.mark.parametrize("start", ["2024-11-02 03:00", "2024-11-04 12:00", "2024-11-04 19:00"])
def test_adding_nothing_returns_the_start(start: str) -> None:
    assert PLAIN.add(at(start), timedelta()) == at(start)


def test_a_negative_duration_is_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        PLAIN.add(at("2024-11-04 12:00"), -S)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: PLAIN.add(naive, H),
        lambda naive: PLAIN.add(naive, timedelta()),
        lambda naive: PLAIN.between(naive, at("2024-11-04 12:00")),
        lambda naive: PLAIN.between(at("2024-11-04 12:00"), naive),
        PLAIN.is_open,
        PLAIN.next_open,
        lambda naive: PLAIN.segments(naive, at("2024-11-04 12:00")),
    ],
)
def test_naive_datetimes_are_rejected(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"naive datetime .* pass an aware datetime"):
        call(datetime(2024, 11, 4, 12))


OPEN_CASES = [
    # (moment, is open, next opening)
    ("2024-11-04 09:59:59", False, "2024-11-04 10:00"),
    ("2024-11-04 10:00", True, "2024-11-04 10:00"),
    ("2024-11-04 18:59:59.999999", True, "2024-11-04 18:59:59.999999"),
    ("2024-11-04 19:00", False, "2024-11-05 10:00"),
    ("2024-11-01 19:00", False, "2024-11-04 10:00"),
    ("2024-11-03 23:59", False, "2024-11-04 10:00"),
]


@pytest.mark.parametrize(("moment", "is_open", "next_open"), OPEN_CASES)
def test_is_open_and_next_open(moment: str, is_open: bool, next_open: str) -> None:
    assert PLAIN.is_open(at(moment)) is is_open
    assert PLAIN.next_open(at(moment)) == at(next_open)


def test_between_is_zero_inside_closed_time() -> None:
    assert PLAIN.between(at("2024-11-01 19:00"), at("2024-11-04 10:00")) == timedelta()


def test_intervals_lists_working_hours_of_each_date() -> None:
    assert PLAIN.intervals(date(2024, 11, 1), date(2024, 11, 4)) == [
        (at("2024-11-01 10:00"), at("2024-11-01 19:00")),
        (at("2024-11-04 10:00"), at("2024-11-04 19:00")),
    ]
    with pytest.raises(ValueError, match="ends before it starts"):
        PLAIN.intervals(date(2024, 11, 4), date(2024, 11, 1))


LUNCH = BusinessCalendar(hours={d: ((time(9), time(13)), (time(14), time(18))) for d in range(5)})


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        ("2024-11-04 12:30", H, "2024-11-04 14:30"),
        ("2024-11-04 12:00", H, "2024-11-04 13:00"),
        ("2024-11-04 13:30", H, "2024-11-04 15:00"),
        ("2024-11-01 17:30", H, "2024-11-04 09:30"),
    ],
)
def test_several_intervals_a_day(start: str, duration: timedelta, expected: str) -> None:
    assert LUNCH.add(at(start), duration) == at(expected)


def test_an_interval_may_end_at_midnight() -> None:
    always = BusinessCalendar(hours={d: ((time(0), time(0)),) for d in range(7)}, tz="UTC")
    start = datetime(2024, 12, 31, 7, 15, 30, tzinfo=UTC)
    assert always.add(start, timedelta(days=400, seconds=7)) == start + timedelta(
        days=400, seconds=7
    )
    assert always.day_info(date(2024, 12, 31)).business_time == timedelta(days=1)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({0: ((time(10), time(19)), (time(18), time(20)))}, "overlap"),
        ({0: ((time(19), time(10)),)}, "ends before it starts"),
        ({0: ((time(10, tzinfo=UTC), time(19)),)}, "naive whole-second"),
        ({0: ((time(10, 0, 0, 5), time(19)),)}, "naive whole-second"),
        ({7: ((time(10), time(19)),)}, "weekdays are 0"),
    ],
)
def test_bad_hours_are_rejected(hours, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(hours=hours)


# -- special days and exceptions -----------------------------------------------------------

SPECIAL = BusinessCalendar(
    holidays={date(2024, 11, 4): "Unity Day"},
    transferred_days_off={date(2024, 4, 29): "Day off moved from 27 April"},
    non_working_days={date(2024, 11, 5): "Decree"},
    working_weekends={date(2024, 4, 27): date(2024, 4, 29), date(2024, 11, 3): None},
    exceptions=[
        CalendarException(date(2024, 11, 6), "day_off", note="Company day off"),
        (date(2024, 11, 9), "working_day", None, "Release weekend"),
        (date(2024, 11, 10), "working_day", ((time(12), time(14)),), ""),
        CalendarException(date(2024, 4, 29), "working_day"),  # beats the transferred day off
    ],
    shortened_pre_holiday=True,
)

DAY_CASES = [
    # (date, kind, working hours, name)
    ("2024-11-01", "workday", 9, ""),
    ("2024-11-02", "weekend", 0, ""),
    ("2024-11-03", "working_weekend", 8, "Working Sunday"),  # eve of 4 Nov: shortened
    ("2024-11-04", "holiday", 0, "Unity Day"),
    ("2024-11-05", "non_working_decree", 0, "Decree"),
    ("2024-11-06", "exception_day_off", 0, "Company day off"),
    ("2024-11-09", "exception_working_day", 9, "Release weekend"),
    ("2024-11-10", "exception_working_day", 2, "Working day"),
    ("2024-04-27", "working_weekend", 9, "Working Saturday"),
    ("2024-04-29", "exception_working_day", 9, "Working day"),
]


@pytest.mark.parametrize(("day", "kind", "hours", "name"), DAY_CASES)
def test_day_info(day: str, kind: str, hours: int, name: str) -> None:
    info = SPECIAL.day_info(date.fromisoformat(day))
    assert (info.kind, info.business_time, info.name) == (kind, hours * H, name)
    assert info.is_working is (hours > 0)


def test_the_eve_of_a_holiday_is_an_hour_shorter_when_asked() -> None:
    holiday = {date(2024, 3, 8): "International Women's Day"}
    eve = date(2024, 3, 7)
    assert BusinessCalendar(holidays=holiday).day_info(eve).business_time == 9 * H
    info = BusinessCalendar(holidays=holiday, shortened_pre_holiday=True).day_info(eve)
    assert (info.kind, info.shortened, info.name) == (
        "shortened",
        True,
        "Eve of International Women's Day",
    )
    assert info.intervals == ((at("2024-03-07 10:00"), at("2024-03-07 18:00")),)


def test_the_shortening_hour_comes_off_the_end_of_the_day() -> None:
    cal = BusinessCalendar(
        hours={3: ((time(9), time(13)), (time(14), time(14, 30)))},
        holidays={date(2024, 3, 8): "Women's Day"},
        shortened_pre_holiday=True,
    )
    assert cal.intervals(date(2024, 3, 7), date(2024, 3, 7)) == [
        (at("2024-03-07 09:00"), at("2024-03-07 12:30"))
    ]


def test_working_weekend_days_can_be_plain_dates() -> None:
    cal = BusinessCalendar(working_weekends=[date(2024, 11, 2)])
    assert cal.add(at("2024-11-01 18:30"), H) == at("2024-11-02 10:30")


@pytest.mark.parametrize(
    ("exceptions", "message"),
    [
        ([(date(2024, 1, 1), "holiday")], "must be 'day_off' or 'working_day'"),
        ([(date(2024, 1, 1), "day_off", ((time(10), time(11)),))], "takes no working hours"),
        ([(date(2024, 1, 1), "day_off"), (date(2024, 1, 1), "working_day")], "two calendar"),
        ([(date(2024, 1, 1), "working_day", ((time(11), time(10)),))], "ends before"),
    ],
)
def test_bad_exceptions_are_rejected(exceptions, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(exceptions=exceptions)


# -- the index outside its years ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        ("2051-03-03 12:00", 30 * H),  # after the indexed years
        ("1990-06-01 18:00", 2 * H),  # before them
        ("2034-12-31 12:00", 2000 * H),  # from inside to well past the end
        ("1999-12-31 12:00", 24 * 9 * 260 * H),  # across the whole index and beyond
    ],
)
def test_queries_outside_the_indexed_years_extend_the_index(
    start: str, duration: timedelta
) -> None:
    small = BusinessCalendar(years=(2020, 2021))
    wide = BusinessCalendar(years=(1985, 2080))
    assert small.add(at(start), duration) == wide.add(at(start), duration)
    end = wide.add(at(start), duration)
    assert BusinessCalendar(years=(2020, 2021)).between(at(start), end) == duration


def test_a_calendar_without_working_time_says_so() -> None:
    shift = ((time(10), time(19)),)
    cal = BusinessCalendar(hours={}, exceptions=[(date(2024, 5, 6), "working_day", shift)])
    assert cal.add(at("2024-01-01 00:00"), H) == at("2024-05-06 11:00")
    with pytest.raises(ValueError, match="no business time after"):
        cal.add(at("2024-05-06 12:00"), 9 * H)


# -- daylight saving time ----------------------------------------------------------------------

#: Monday-Friday 10:00-19:00, and a night shift on Sundays 01:00-05:00 that spans the change.
DST_HOURS = {**{d: ((time(10), time(19)),) for d in range(5)}, 6: ((time(1), time(5)),)}


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        (BERLIN, "2024-03-31", 3),  # 02:00 -> 03:00: the night shift loses an hour
        (BERLIN, "2024-10-27", 5),  # 03:00 -> 02:00: it gains one
        (BERLIN, "2024-10-20", 4),
        (NEW_YORK, "2024-03-10", 3),
        (NEW_YORK, "2024-11-03", 5),
    ],
)
def test_an_interval_spanning_a_dst_change_has_its_real_length(
    tz: ZoneInfo, day: str, hours: int
) -> None:
    cal = BusinessCalendar(hours=DST_HOURS, tz=tz)
    assert cal.day_info(date.fromisoformat(day)).business_time == hours * H


@pytest.mark.parametrize(
    ("tz", "start", "duration", "expected"),
    [
        # The Friday before the change, over the weekend, into Monday: wall-clock hours.
        (BERLIN, "2024-03-29 18:00", 2 * H, "2024-04-01 11:00"),
        (BERLIN, "2024-10-25 18:00", 2 * H, "2024-10-28 11:00"),
        (NEW_YORK, "2024-03-08 18:00", 2 * H, "2024-03-11 11:00"),
        (NEW_YORK, "2024-11-01 18:00", 2 * H, "2024-11-04 11:00"),
    ],
)
def test_working_hours_keep_their_wall_clock_times_across_dst(
    tz: ZoneInfo, start: str, duration: timedelta, expected: str
) -> None:
    cal = BusinessCalendar(tz=tz)
    assert cal.add(at(start, tz), duration) == at(expected, tz)
    assert cal.between(at(start, tz), at(expected, tz)) == duration


def test_the_night_shift_on_a_dst_day_counts_real_hours() -> None:
    cal = BusinessCalendar(hours=DST_HOURS, tz=BERLIN)
    # 01:00 CET + 1h30 real time = 03:30 CEST (02:00-03:00 does not exist that night).
    result = cal.add(at("2024-03-31 01:00", BERLIN), 90 * MIN)
    assert result.timestamp() == at("2024-03-31 03:30", BERLIN).timestamp()
    # In autumn 02:30 happens twice; the second one is 2h30 after 01:00.
    # (Compare instants: == on two datetimes of one tzinfo ignores fold.)
    second = datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN)
    result = cal.add(at("2024-10-27 01:00", BERLIN), 150 * MIN)
    assert (result.timestamp(), result.fold) == (second.timestamp(), 1)


# -- segments ----------------------------------------------------------------------------------


def test_segments_tell_how_much_was_counted_each_day() -> None:
    cal = BusinessCalendar(holidays={date(2019, 11, 4): "Unity Day"})
    filed = at("2019-11-01 18:30")
    due = cal.add(filed, 4 * H)
    assert due == at("2019-11-05 13:30")
    rows = [
        (s.day.isoformat(), s.info.kind, s.info.name, s.counted) for s in cal.segments(filed, due)
    ]
    assert rows == [
        ("2019-11-01", "workday", "", 30 * MIN),
        ("2019-11-02", "weekend", "", timedelta()),
        ("2019-11-03", "weekend", "", timedelta()),
        ("2019-11-04", "holiday", "Unity Day", timedelta()),
        ("2019-11-05", "workday", "", 3 * H + 30 * MIN),
    ]
    with pytest.raises(ValueError, match="start <= end"):
        cal.segments(due, filed)
