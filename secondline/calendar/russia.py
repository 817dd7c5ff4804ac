"""The official Russian production calendar ("производственный календарь").

Sources, in the order they apply:

* public holidays: Labour Code of the Russian Federation, art. 112 part 1 (1-6 and 8 January
  New Year holidays, 7 January, 23 February, 8 March, 1 May, 9 May, 12 June, 4 November);
* a holiday on a weekend moves the day off to the next working day (art. 112 part 2), unless the
  Government's yearly decree "О переносе выходных дней" moves it elsewhere (art. 112 part 5);
  the same decree makes some Saturdays working days;
* days that presidential decrees made non-working with pay (2020-2021, ``NON_WORKING_DECREES``).

The first two come from the ``holidays`` package (python-holidays, pinned), which keeps both the
yearly decrees and the part 2 moves as data per year; only the presidential decrees, which it does
not carry, are listed here. For a year the package has no decree for (``decree_known``), the part
2 moves are computed here (``_statutory_moves``) and nothing else is moved: the Government's
choices cannot be guessed, so administrators add them as calendar exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta, tzinfo
from functools import cache, partial
from types import MappingProxyType

import holidays

from secondline.calendar.core import BusinessCalendar
from secondline.calendar.days import WEEKDAY_NAMES, CalendarException, SpecialDay, WeekHours

#: Days that presidential decrees made "non-working days with pay" (нерабочие дни с сохранением
#: за работниками заработной платы): (first day, last day, decree), both days included.
#: They are not public holidays, so the day before one is not shortened (Rostrud on 24.06.2020).
NON_WORKING_DECREES: tuple[tuple[date, date, str], ...] = (
    # COVID-19. Указ Президента РФ от 25.03.2020 № 206 «Об объявлении в РФ нерабочих дней».
    (date(2020, 3, 30), date(2020, 4, 3), "Presidential Decree No. 206 of 25.03.2020"),
    # COVID-19, extended. Указ Президента РФ от 02.04.2020 № 239, п. 1.
    (date(2020, 4, 4), date(2020, 4, 30), "Presidential Decree No. 239 of 02.04.2020"),
    # COVID-19, between the May holidays. Указ Президента РФ от 28.04.2020 № 294, п. 1.
    (date(2020, 5, 6), date(2020, 5, 8), "Presidential Decree No. 294 of 28.04.2020"),
    # Victory Parade of the 75th anniversary. Указ Президента РФ от 29.05.2020 № 345.
    (date(2020, 6, 24), date(2020, 6, 24), "Presidential Decree No. 345 of 29.05.2020"),
    # Vote on the amendments to the Constitution. Указ Президента РФ от 01.06.2020 № 354.
    (date(2020, 7, 1), date(2020, 7, 1), "Presidential Decree No. 354 of 01.06.2020"),
    # COVID-19, between the May holidays. Указ Президента РФ от 23.04.2021 № 242.
    (date(2021, 5, 4), date(2021, 5, 7), "Presidential Decree No. 242 of 23.04.2021"),
    # COVID-19, around Unity Day. Указ Президента РФ от 20.10.2021 № 595.
    (date(2021, 10, 30), date(2021, 11, 7), "Presidential Decree No. 595 of 20.10.2021"),
)


def russian_calendar(
    *,
    hours: WeekHours | None = None,
    tz: str | tzinfo = "Europe/Moscow",
    shortened_pre_holiday: bool = False,
    exceptions: Iterable[CalendarException | Sequence[object]] = (),
    decrees: bool = True,
    years: tuple[int, int] = (2015, 2035),
) -> BusinessCalendar:
    """Monday-Friday 10:00-19:00 Moscow time on the official Russian calendar, by default.

    ``decrees=False`` leaves out the presidential non-working days of 2020-2021 (for work that
    went on through them); ``exceptions`` add the company's own days off and working days.
    """
    return BusinessCalendar(
        hours=hours,
        tz=tz,
        exceptions=exceptions,
        shortened_pre_holiday=shortened_pre_holiday,
        rules=russian_special_days if decrees else partial(russian_special_days, decrees=False),
        years=years,
    )


@cache
def russian_special_days(year: int, decrees: bool = True) -> Mapping[date, SpecialDay]:
    """Holidays, transferred days off, working weekend days and decree days of one year."""
    days = dict(_decree_days(year)) if decrees else {}
    days |= _official_days(year)
    return MappingProxyType(days)


def _official_days(year: int) -> dict[date, SpecialDay]:
    """Read one year from python-holidays: it lists art. 112 holidays, the days off moved from
    a holiday on a weekend ("observed"), the days off moved by the Government's decree
    ("substituted", kept in ``special_public_holidays`` as (to month, to day, from month, from
    day)) and the Saturdays made working by it (``weekend_workdays``)."""
    observed = holidays.country_holidays("RU", years=year, language="en_US")
    statutory = holidays.country_holidays("RU", years=year, language="en_US", observed=False)
    moves = _substitutions(observed, year)
    days: dict[date, SpecialDay] = {} if decree_known(year) else _statutory_moves(statutory)
    for day, name in observed.items():
        if day in moves:
            days[day] = SpecialDay(
                "transferred_day_off", f"Day off moved from {_named(moves[day])}"
            )
        elif day not in statutory:
            days[day] = SpecialDay("transferred_day_off", name)
        else:
            days[day] = SpecialDay("holiday", name)
    days |= _working_weekends(observed.weekend_workdays, moves, year)
    return days


def decree_known(year: int) -> bool:
    """Does python-holidays carry the year's transfers of days off (the Government's decree)?

    It keeps them as data per year: the decree's moves in ``special_public_holidays``, the art.
    112 part 2 moves in ``special_public_holidays_observed``. Every year since 2013 has a decree
    (art. 112 part 2: the Government moves two of the New Year days that fall on a weekend, and
    1-8 January always covers a weekend), so a year in neither table is one whose decree came
    after the pinned release, or that has not been signed yet.
    """
    return any(year in table for table in _transfer_tables())


@cache
def _transfer_tables() -> tuple[frozenset[int], ...]:
    calendar = holidays.country_holidays("RU")
    return (
        frozenset(calendar.special_public_holidays),
        frozenset(calendar.special_public_holidays_observed),
    )


def _statutory_moves(statutory: Mapping[date, str]) -> dict[date, SpecialDay]:
    """Labour Code art. 112 part 2 without a decree: a public holiday on a Saturday or Sunday
    gives a day off on the next working day. The New Year holidays and Christmas (1-8 January,
    art. 112 part 1 paragraphs 2 and 3) are excluded: the Government moves two of them by its
    decree, which is not known yet. "Next working day" skips holidays and days already taken by
    an earlier move, so two weekend holidays in a row would give two days off in a row."""
    moves: dict[date, SpecialDay] = {}
    for holiday, name in sorted(statutory.items()):
        if holiday.weekday() < 5 or holiday.month == 1:
            continue
        day_off = holiday + timedelta(days=1)
        while day_off.weekday() >= 5 or day_off in statutory or day_off in moves:
            day_off += timedelta(days=1)
        moves[day_off] = SpecialDay("transferred_day_off", f"{name} (observed)")
    return moves


def _working_weekends(
    weekend_workdays: Iterable[date], moves: dict[date, date], year: int
) -> dict[date, SpecialDay]:
    """The weekend days a decree made working, each standing in for the weekday that took
    its day off: "с субботы 2 ноября на вторник 30 апреля" works 2 November as a Tuesday."""
    stands_in = {moved_from: moved_to for moved_to, moved_from in moves.items()}
    days = {}
    for day in weekend_workdays:
        if day.year == year:
            to = stands_in.get(day)
            name = f"Working {WEEKDAY_NAMES[day.weekday()]}"
            days[day] = SpecialDay(
                "working_weekend", f"{name} (day off moved to {_named(to)})" if to else name, to
            )
    return days


def _substitutions(calendar: holidays.HolidayBase, year: int) -> dict[date, date]:
    """Days off moved by the Government's decree: the new day off -> the day it came from."""
    entries = calendar.special_public_holidays.get(year, ())
    if entries and isinstance(entries[0], int):  # one entry is stored without the outer tuple
        entries = (entries,)
    moves = {}
    for entry in entries:
        if len(entry) >= 4:
            to_month, to_day, from_month, from_day, *from_year = entry
            moves[date(year, to_month, to_day)] = date(
                from_year[0] if from_year else year, from_month, from_day
            )
    return moves


def _decree_days(year: int) -> Iterable[tuple[date, SpecialDay]]:
    for first, last, decree in NON_WORKING_DECREES:
        day = max(first, date(year, 1, 1))
        while day <= last and day.year == year:
            yield day, SpecialDay("non_working_decree", f"Non-working day with pay ({decree})")
            day += timedelta(days=1)


def _named(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}"
