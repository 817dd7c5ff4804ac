"""The official Russian production calendar 2019-2026, written down from the decrees.

Each year: the Government decree on moving days off (Labour Code art. 112 part 5), the weekdays
that are not worked, the weekend days that are, the working days per month, the shortened eves
of holidays (art. 95) and the resulting norm of hours for a 40-hour week. The presidential
non-working days of 2020-2021 come on top (``DECREE_DAYS``). For the years python-holidays has no
decree for (2028 on, with 0.108) only the moves of art. 112 part 2 apply (``WITHOUT_DECREE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from secondline.calendar import BusinessCalendar, russian_calendar, russian_special_days
from secondline.calendar.russia import _statutory_moves, decree_known

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)


@dataclass(frozen=True)
class Year:
    decree: str
    days_off: str  # weekdays that are not worked: holidays, days off moved onto weekdays
    working_weekends: str
    months: tuple[int, ...]  # working days per month
    shortened: str  # eves of holidays, one hour shorter
    norm: int  # hours for a 40-hour week: 8 hours a day less the shortened hours


def dates(year: int, text: str) -> set[date]:
    return {date(year, int(md[:2]), int(md[3:])) for md in text.split()}


PRODUCTION_CALENDAR = {
    2019: Year(
        "Government Decree No. 1163 of 01.10.2018",
        "01-01 01-02 01-03 01-04 01-07 01-08 03-08 05-01 05-02 05-03 05-09 05-10 06-12 11-04",
        "",
        (17, 20, 20, 22, 18, 19, 23, 22, 21, 23, 20, 22),
        "02-22 03-07 04-30 05-08 06-11 12-31",
        1970,
    ),
    2020: Year(
        "Government Decree No. 875 of 10.07.2019",
        "01-01 01-02 01-03 01-06 01-07 01-08 02-24 03-09 05-01 05-04 05-05 05-11 06-12 11-04",
        "",
        (17, 19, 21, 22, 17, 21, 23, 21, 22, 22, 20, 23),
        "04-30 05-08 06-11 11-03 12-31",
        1979,
    ),
    2021: Year(
        "Government Decree No. 1648 of 10.10.2020",
        "01-01 01-04 01-05 01-06 01-07 01-08 02-22 02-23 03-08 05-03 05-10 06-14 11-04 11-05 12-31",
        "02-20",
        (15, 19, 22, 22, 19, 21, 22, 22, 22, 21, 20, 22),
        "02-20 04-30 06-11 11-03",
        1972,
    ),
    2022: Year(
        "Government Decree No. 1564 of 16.09.2021",
        "01-03 01-04 01-05 01-06 01-07 02-23 03-07 03-08 05-02 05-03 05-09 05-10 06-13 11-04",
        "03-05",
        (16, 19, 22, 21, 18, 21, 21, 23, 22, 21, 21, 22),
        "02-22 03-05 11-03",
        1973,
    ),
    2023: Year(
        "Government Decree No. 1505 of 29.08.2022",
        "01-02 01-03 01-04 01-05 01-06 02-23 02-24 03-08 05-01 05-08 05-09 06-12 11-06",
        "",
        (17, 18, 22, 20, 20, 21, 21, 23, 21, 22, 21, 21),
        "02-22 03-07 11-03",
        1973,
    ),
    2024: Year(
        "Government Decree No. 1314 of 10.08.2023",
        "01-01 01-02 01-03 01-04 01-05 01-08 02-23 03-08 04-29 04-30 05-01 05-09 05-10 06-12"
        " 11-04 12-30 12-31",
        "04-27 11-02 12-28",
        (17, 20, 20, 21, 20, 19, 23, 22, 21, 23, 21, 21),
        "02-22 03-07 05-08 06-11 11-02",  # 2 Nov stands in for 30 Apr, the eve of 1 May
        1979,
    ),
    2025: Year(
        "Government Decree No. 1335 of 04.10.2024",
        "01-01 01-02 01-03 01-06 01-07 01-08 05-01 05-02 05-08 05-09 06-12 06-13 11-03 11-04 12-31",
        "11-01",
        (17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22),
        "03-07 04-30 06-11 11-01",  # 1 Nov stands in for 3 Nov, the eve of 4 Nov
        1972,
    ),
    2026: Year(
        "Government Decree No. 1466 of 24.09.2025",
        "01-01 01-02 01-05 01-06 01-07 01-08 01-09 02-23 03-09 05-01 05-11 06-12 11-04 12-31",
        "",
        (15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22),
        "04-30 05-08 06-11 11-03",
        1972,
    ),
}
YEARS = sorted(PRODUCTION_CALENDAR)
TOTALS = {2019: 247, 2020: 248, 2021: 247, 2022: 247, 2023: 247, 2024: 248, 2025: 247, 2026: 247}

#: Weekdays made non-working with pay by presidential decree (not in python-holidays).
DECREE_DAYS = {
    2020: (
        "03-30 03-31 04-01 04-02 04-03"  # No. 206 of 25.03.2020: 30 March - 3 April
        " 04-06 04-07 04-08 04-09 04-10 04-13 04-14 04-15 04-16 04-17 04-20 04-21 04-22 04-23"
        " 04-24 04-27 04-28 04-29 04-30"  # No. 239 of 02.04.2020: 4-30 April
        " 05-06 05-07 05-08"  # No. 294 of 28.04.2020
        " 06-24"  # No. 345 of 29.05.2020: Victory Parade
        " 07-01"  # No. 354 of 01.06.2020: vote on the Constitution
    ),
    2021: (
        "05-04 05-05 05-06 05-07"  # No. 242 of 23.04.2021
        " 11-01 11-02 11-03"  # No. 595 of 20.10.2021: 30 October - 7 November
    ),
}

OFFICIAL = russian_calendar(decrees=False)
ACTUAL = russian_calendar()
SHORTENED = russian_calendar(decrees=False, shortened_pre_holiday=True)
EIGHT_HOURS = russian_calendar(
    decrees=False,
    shortened_pre_holiday=True,
    hours={d: ((time(9), time(13)), (time(14), time(18))) for d in range(5)},
)


def year_days(year: int) -> list[date]:
    return [
        date(year, 1, 1) + timedelta(days=n)
        for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    ]


def working(cal: BusinessCalendar, year: int) -> set[date]:
    return {day for day in year_days(year) if cal.day_info(day).is_working}


@pytest.mark.parametrize("year", YEARS)
def test_weekdays_off_and_working_weekends(year: int) -> None:
    expected = PRODUCTION_CALENDAR[year]
    worked = working(OFFICIAL, year)
    weekdays_off = {d for d in year_days(year) if d.weekday() < 5 and d not in worked}
    weekends_worked = {d for d in worked if d.weekday() >= 5}
    assert sorted(weekdays_off) == sorted(dates(year, expected.days_off)), expected.decree
    assert sorted(weekends_worked) == sorted(dates(year, expected.working_weekends)), (
        expected.decree
    )


@pytest.mark.parametrize("year", YEARS)
def test_working_days_per_month(year: int) -> None:
    expected = PRODUCTION_CALENDAR[year]
    worked = working(OFFICIAL, year)
    months = tuple(sum(1 for d in worked if d.month == month) for month in range(1, 13))
    assert months == expected.months, expected.decree
    assert sum(months) == TOTALS[year]


@pytest.mark.parametrize("year", YEARS)
def test_shortened_eves_and_the_norm_of_hours(year: int) -> None:
    expected = PRODUCTION_CALENDAR[year]
    eves = {d for d in year_days(year) if SHORTENED.day_info(d).shortened}
    assert sorted(eves) == sorted(dates(year, expected.shortened)), expected.decree
    start, end = (datetime(y, 1, 1, tzinfo=MSK) for y in (year, year + 1))
    assert EIGHT_HOURS.between(start, end) == expected.norm * H, expected.decree


@pytest.mark.parametrize(("year", "total"), [(2020, 219), (2021, 240)])
def test_presidential_non_working_days(year: int, total: int) -> None:
    lost = working(OFFICIAL, year) - working(ACTUAL, year)
    assert sorted(lost) == sorted(dates(year, DECREE_DAYS[year]))
    assert len(working(ACTUAL, year)) == total


DAY_CASES = [
    # (date, kind, name contains, rule)
    ("2024-11-04", "holiday", "Unity Day", "art. 112: 4 November"),
    ("2023-01-07", "holiday", "Christmas Day", "a holiday on a Saturday stays a holiday"),
    ("2020-02-24", "transferred_day_off", "(observed)", "art. 112 part 2: Sunday 23 Feb -> Monday"),
    ("2024-04-29", "transferred_day_off", "moved from Saturday 2024-04-27", "Decree No. 1314"),
    ("2024-04-27", "working_weekend", "day off moved to Monday 2024-04-29", "Decree No. 1314"),
    ("2020-04-06", "non_working_decree", "Decree No. 239 of 02.04.2020", "COVID-19"),
    ("2021-11-01", "non_working_decree", "Decree No. 595 of 20.10.2021", "COVID-19"),
    ("2021-11-04", "holiday", "Unity Day", "a holiday beats a decree day"),
    ("2021-11-05", "transferred_day_off", "moved from Saturday 2021-01-02", "Decree No. 1648"),
    ("2024-06-13", "workday", "", "an ordinary Thursday"),
    ("2024-06-15", "weekend", "", "an ordinary Saturday"),
]


@pytest.mark.parametrize(("day", "kind", "name", "rule"), DAY_CASES)
def test_day_kinds(day: str, kind: str, name: str, rule: str) -> None:
    info = ACTUAL.day_info(date.fromisoformat(day))
    assert info.kind == kind, rule
    assert name in info.name, rule


def test_a_working_saturday_stands_in_for_the_weekday_whose_day_off_it_gave() -> None:
    saturday = russian_special_days(2024)[date(2024, 11, 2)]
    assert (saturday.kind, saturday.stands_in_for) == ("working_weekend", date(2024, 4, 30))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


ADD_CASES = [
    # (calendar, start, duration, expected, rule)
    (ACTUAL, "2024-11-01 18:00", H, "2024-11-01 19:00", "one hour from Friday 18:00"),
    (ACTUAL, "2024-11-01 18:30", H, "2024-11-02 10:30", "Saturday 2 Nov 2024 is worked"),
    (ACTUAL, "2024-11-02 18:30", H, "2024-11-05 10:30", "Sunday, then Monday 4 Nov holiday"),
    (ACTUAL, "2024-04-26 18:00", 2 * H, "2024-04-27 11:00", "Saturday 27 Apr 2024 is worked"),
    (ACTUAL, "2024-04-27 18:00", 2 * H, "2024-05-02 11:00", "28 Apr - 1 May off"),
    (ACTUAL, "2019-11-01 18:30", 4 * H, "2019-11-05 13:30", "Monday 4 Nov 2019 holiday"),
    (ACTUAL, "2024-12-28 18:00", 2 * H, "2025-01-09 11:00", "29 Dec - 8 Jan off"),
    (ACTUAL, "2025-12-30 18:00", 2 * H, "2026-01-12 11:00", "31 Dec 2025 - 11 Jan 2026 off"),
    (ACTUAL, "2019-12-31 18:00", 2 * H, "2020-01-09 11:00", "a year end into January"),
    (ACTUAL, "2020-03-27 18:00", 2 * H, "2020-05-12 11:00", "the 2020 decrees and May holidays"),
    (OFFICIAL, "2020-03-27 18:00", 2 * H, "2020-03-30 11:00", "without the decrees"),
    (SHORTENED, "2024-03-07 17:00", H, "2024-03-07 18:00", "art. 95: the eve ends at 18:00"),
    (SHORTENED, "2024-03-07 17:30", H, "2024-03-11 10:30", "art. 95, then 8-10 March off"),
    (SHORTENED, "2024-11-02 17:30", H, "2024-11-05 10:30", "Saturday 2 Nov 2024 is an eve"),
    (SHORTENED, "2024-04-27 17:30", H, "2024-04-27 18:30", "Saturday 27 Apr 2024 is not"),
    (ACTUAL, "2024-01-01 00:00", 248 * 9 * H, "2024-12-28 19:00", "the whole of 2024"),
    (
        ACTUAL,
        "2019-01-01 00:00",
        1942 * 9 * H,
        "2026-12-30 19:00",
        "2019-2026: 1978 - 36 by decree",
    ),
]


@pytest.mark.parametrize(("cal", "start", "duration", "expected", "rule"), ADD_CASES)
def test_add(
    cal: BusinessCalendar, start: str, duration: timedelta, expected: str, rule: str
) -> None:
    assert cal.add(at(start), duration) == at(expected), rule
    assert cal.between(at(start), at(expected)) == duration, rule


def test_company_exceptions_on_top_of_the_official_calendar() -> None:
    cal = russian_calendar(
        exceptions=[
            (date(2024, 12, 27), "day_off", None, "Company day off"),
            (date(2025, 1, 3), "working_day", ((time(10), time(14)),), "Release duty"),
        ]
    )
    assert cal.add(at("2024-12-26 18:00"), 2 * H) == at("2024-12-28 11:00")
    assert cal.add(at("2024-12-28 18:00"), 2 * H) == at("2025-01-03 11:00")
    assert cal.day_info(date(2025, 1, 3)).name == "Release duty"


def test_other_hours_and_time_zone() -> None:
    vladivostok = ZoneInfo("Asia/Vladivostok")
    cal = russian_calendar(tz=vladivostok, hours={d: ((time(9), time(18)),) for d in range(5)})
    start = datetime(2024, 11, 1, 17, tzinfo=vladivostok)
    assert cal.add(start, 2 * H) == datetime(2024, 11, 2, 10, tzinfo=vladivostok)


KNOWN_2027 = [
    # (date, kind, rule): Government Decree of 2026 for 2027, as python-holidays 0.108 has it
    ("2027-02-20", "working_weekend", "Saturday worked for Monday 22 February"),
    ("2027-02-22", "transferred_day_off", "from Saturday 20 February"),
    ("2027-05-03", "transferred_day_off", "art. 112 part 2: Saturday 1 May"),
    ("2027-05-10", "transferred_day_off", "art. 112 part 2: Sunday 9 May"),
    ("2027-06-14", "transferred_day_off", "art. 112 part 2: Saturday 12 June"),
    ("2027-11-05", "transferred_day_off", "decree: from Saturday 2 January"),
    ("2027-12-31", "transferred_day_off", "decree: from Sunday 3 January"),
    ("2027-01-08", "holiday", "New Year holidays"),
    ("2027-01-11", "workday", "the first workday of 2027"),
]


@pytest.mark.parametrize(("day", "kind", "rule"), KNOWN_2027)
def test_a_year_with_its_decree_in_the_data(day: str, kind: str, rule: str) -> None:
    assert OFFICIAL.day_info(date.fromisoformat(day)).kind == kind, rule


WITHOUT_DECREE = [
    # (date, kind, name contains, rule): years python-holidays 0.108 has no decree for
    ("2028-11-04", "holiday", "Unity Day", "art. 112 part 1: a Saturday"),
    ("2028-11-06", "transferred_day_off", "Unity Day (observed)", "art. 112 part 2: -> Monday"),
    ("2028-11-07", "workday", "", "one day off per holiday"),
    ("2028-01-10", "workday", "", "1-2 Jan 2028 on a weekend: excluded from part 2"),
    ("2029-11-05", "transferred_day_off", "Unity Day", "Sunday 4 Nov 2029 -> Monday"),
    ("2030-02-25", "transferred_day_off", "Defender of the Fatherland Day", "Saturday 23 Feb"),
    ("2031-02-24", "transferred_day_off", "Defender of the Fatherland Day", "Sunday 23 Feb"),
    ("2031-03-10", "transferred_day_off", "Women's Day", "Saturday 8 Mar 2031 -> Monday"),
    ("2032-05-03", "transferred_day_off", "Spring and Labor", "Saturday 1 May 2032"),
    ("2032-05-10", "transferred_day_off", "Victory Day", "Sunday 9 May 2032"),
    ("2032-06-14", "transferred_day_off", "Russia Day", "Saturday 12 June 2032"),
    ("2032-05-08", "weekend", "", "no working Saturday without a decree"),
    ("2033-05-02", "transferred_day_off", "Spring and Labor", "Sunday 1 May 2033"),
    ("2033-06-13", "transferred_day_off", "Russia Day", "Sunday 12 June 2033"),
]


@pytest.mark.parametrize(("day", "kind", "name", "rule"), WITHOUT_DECREE)
def test_a_year_without_its_decree_has_the_statutory_moves(
    day: str, kind: str, name: str, rule: str
) -> None:
    info = ACTUAL.day_info(date.fromisoformat(day))
    assert info.kind == kind, rule
    assert name in info.name, rule


@pytest.mark.parametrize(
    ("year", "known"),
    [(2015, True), (2020, True), (2026, True), (2027, True), (2028, False), (2035, False)],
)
def test_decree_known(year: int, known: bool) -> None:
    assert decree_known(year) is known


MOVES = [
    # (holidays, days off they give, rule)
    ({"2028-11-04": "A"}, {"2028-11-06": "A (observed)"}, "Saturday -> Monday"),
    ({"2028-11-05": "A"}, {"2028-11-06": "A (observed)"}, "Sunday -> Monday"),
    (
        {"2028-11-04": "A", "2028-11-05": "B"},
        {"2028-11-06": "A (observed)", "2028-11-07": "B (observed)"},
        "Saturday and Sunday: Monday is taken, so Tuesday",
    ),
    (
        {"2028-11-05": "A", "2028-11-06": "B"},
        {"2028-11-07": "A (observed)"},
        "Sunday, and Monday a holiday itself: Tuesday",
    ),
    ({"2028-01-01": "A", "2028-01-02": "B"}, {}, "1-8 January are excluded from part 2"),
    ({"2028-11-03": "A"}, {}, "a holiday on a Friday moves nothing"),
]


@pytest.mark.parametrize(("holidays", "moves", "rule"), MOVES)
def test_statutory_moves(holidays: dict[str, str], moves: dict[str, str], rule: str) -> None:
    result = _statutory_moves({date.fromisoformat(d): name for d, name in holidays.items()})
    assert {d.isoformat(): s.name for d, s in result.items()} == moves, rule
    assert {s.kind for s in result.values()} <= {"transferred_day_off"}


def test_a_deadline_across_a_statutory_move() -> None:
    assert ACTUAL.add(at("2028-11-03 18:30"), H) == at("2028-11-07 10:30")


#: Labour Code art. 112 part 1: the non-working public holidays (month, day).
ART_112 = [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]


@pytest.mark.parametrize("year", range(2015, 2036))
def test_art_112_in_every_year(year: int) -> None:
    """Every holiday is a day off; a weekend one outside January gives a day off on a weekday,
    within a week where no decree moved it elsewhere; and the year's balance holds: weekdays
    off less weekend days worked = holidays on weekdays + weekend holidays outside January +
    the two New Year days the Government moves (art. 112 part 2) when its decree is known."""
    holidays = [date(year, month, day) for month, day in ART_112]
    for day in holidays:
        assert OFFICIAL.day_info(day).kind == "holiday", day
    moved = [d for d in holidays if d.weekday() >= 5 and d.month > 1]
    if not decree_known(year):
        for day in moved:
            week = [day + timedelta(days=n) for n in range(1, 8)]
            kinds = {OFFICIAL.day_info(d).kind for d in week if d.weekday() < 5}
            assert "transferred_day_off" in kinds, day
    worked = working(OFFICIAL, year)
    weekdays_off = sum(1 for d in year_days(year) if d.weekday() < 5 and d not in worked)
    weekends_worked = sum(1 for d in worked if d.weekday() >= 5)
    on_weekdays = sum(1 for d in holidays if d.weekday() < 5)
    assert weekdays_off - weekends_worked == on_weekdays + len(moved) + 2 * decree_known(year)
