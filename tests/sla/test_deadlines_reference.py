"""An independent check of reaction deadlines against the official production calendar.

The reference below knows nothing of the calendar package or python-holidays: it walks minute
by minute over a hand-written table of the non-working weekdays and working Saturdays of
2024-2026, copied from the Government's decrees on moving days off, and counts the minutes
within 10:00-19:00 Moscow time.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from secondline.sla.services import due_for
from secondline.tickets.choices import Priority, TicketType

MSK = ZoneInfo("Europe/Moscow")
MINUTE = timedelta(minutes=1)


def _days(year: int, *month_days: tuple[int, int]) -> set[date]:
    return {date(year, month, day) for month, day in month_days}


# Weekdays off: public holidays (Labour Code art. 112) and the days off moved onto weekdays.
NON_WORKING_WEEKDAYS = (
    # 2024, Government decree No. 1335 of 10.08.2023.
    _days(2024, (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 8), (2, 23), (3, 8))
    | _days(2024, (4, 29), (4, 30), (5, 1), (5, 9), (5, 10), (6, 12), (11, 4), (12, 30), (12, 31))
    # 2025, Government decree No. 1335 of 04.10.2024: 23 Feb -> 8 May, 8 Mar -> 13 Jun,
    # 4 Jan -> 2 May, 5 Jan -> 31 Dec, Saturday 1 Nov -> Monday 3 Nov.
    | _days(2025, (1, 1), (1, 2), (1, 3), (1, 6), (1, 7), (1, 8), (5, 1), (5, 2), (5, 8))
    | _days(2025, (5, 9), (6, 12), (6, 13), (11, 3), (11, 4), (12, 31))
    # 2026, Government decree of 24.09.2025: 3 Jan -> 9 Jan, 4 Jan -> 31 Dec; 8 Mar (Sunday)
    # -> Monday 9 Mar and 9 May (Saturday) -> Monday 11 May by art. 112 part 2.
    | _days(2026, (1, 1), (1, 2), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (2, 23), (3, 9))
    | _days(2026, (5, 1), (5, 11), (6, 12), (11, 4), (12, 31))
)
WORKING_SATURDAYS = _days(2024, (4, 27), (11, 2), (12, 28)) | _days(2025, (11, 1))
FIRST, LAST = date(2024, 1, 1), date(2026, 12, 20)


def is_open(moment: datetime) -> bool:
    day = moment.date()
    working = (day.weekday() < 5 and day not in NON_WORKING_WEEKDAYS) or day in WORKING_SATURDAYS
    return working and 10 <= moment.hour < 19


def reference_due(start: datetime, minutes: int) -> datetime:
    """The end of the ``minutes``-th open minute from ``start`` (a whole minute)."""
    moment, counted = start, 0
    if minutes == 0:
        return start
    while True:
        if is_open(moment):
            counted += 1
            if counted == minutes:
                return moment + MINUTE
        moment += MINUTE


CASES = [
    (TicketType.INCIDENT, Priority.URGENT, 60),
    (TicketType.INCIDENT, Priority.HIGH, 240),
    (TicketType.INCIDENT, Priority.NORMAL, 540),
    (TicketType.INCIDENT, Priority.LOW, 1620),
    (TicketType.CONSULTATION, Priority.NORMAL, 1080),
]


def random_starts(count: int, seed: int) -> list[datetime]:
    rng = random.Random(seed)
    span = (LAST - FIRST).days * 24 * 60
    starts = [
        datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=MSK)
        + timedelta(minutes=rng.randrange(span))
        for _ in range(count)
    ]
    # The edges people ask about: the eves and ends of the long holidays.
    starts += [
        datetime(2024, 11, 1, 18, 30, tzinfo=MSK),
        datetime(2024, 12, 28, 18, 59, tzinfo=MSK),
        datetime(2025, 4, 30, 19, 0, tzinfo=MSK),
        datetime(2025, 12, 30, 18, 0, tzinfo=MSK),
        datetime(2026, 1, 9, 12, 0, tzinfo=MSK),
    ]
    return starts


@pytest.mark.django_db
def test_deadlines_match_the_official_calendar_on_random_cases(personas) -> None:
    contract = personas.contract
    mismatches = []
    for index, start in enumerate(random_starts(250, seed=20241101)):
        ticket_type, priority, minutes = CASES[index % len(CASES)]
        expected = reference_due(start, minutes)
        got = due_for(contract, ticket_type, priority, start)
        if got != expected:
            mismatches.append((start, ticket_type, priority, got, expected))
    assert not mismatches, mismatches[:5]


def test_the_reference_itself_knows_the_holidays() -> None:
    assert not is_open(datetime(2024, 11, 4, 12, tzinfo=MSK))  # Unity Day
    assert is_open(datetime(2024, 11, 2, 12, tzinfo=MSK))  # working Saturday
    assert reference_due(datetime(2024, 11, 1, 18, 30, tzinfo=MSK), 240) == datetime(
        2024, 11, 2, 13, 30, tzinfo=MSK
    )
