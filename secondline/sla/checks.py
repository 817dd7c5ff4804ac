"""System checks of the SLA app (``secondline check``, ``manage.py check``, ``migrate``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils import timezone

from secondline.calendar.russia import decree_known

#: From this (month, day) on, next year's decree is due: the Government has signed it between
#: August and early October lately (No. 1335 on 4 October 2024, No. 1466 on 24 September 2025).
NEXT_YEAR_FROM = (10, 1)


def russian_decree_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn while this year's or, from 1 October, next year's Russian transfer decree is not in
    the calendar data: such a year has only the statutory moves of Labour Code art. 112 part 2
    (docs/sla.md, "Calendar"), so deadlines around the Government's transfers come out wrong."""
    today = timezone.localdate()
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_FROM:
        years.append(today.year + 1)
    return [
        checks.Warning(
            f"The Russian Government's transfers of days off for {year} are not in the "
            f"calendar data: {year} has only the statutory moves of a holiday on a weekend "
            "(Labour Code art. 112 part 2).",
            hint=(
                f"Once the decree for {year} is published, add the Government's transfers as "
                "calendar exceptions in the back office (Calendars and SLA > Business "
                "calendars: a day off for each transferred day off, a working day for each "
                "working Saturday), or upgrade SecondLine."
            ),
            id="sla.W001",
        )
        for year in years
        if not decree_known(year)
    ]
