"""`secondline calendar show 2026-05 [--contract N]`: a month's working and non-working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from secondline.calendar import DayInfo
from secondline.sla import commands, report, wording

KIND_WORDS = {
    "workday": "working",
    "shortened": "working, shortened (eve of a holiday)",
    "weekend": "weekend",
    "holiday": "public holiday",
    "transferred_day_off": "transferred day off",
    "non_working_decree": "non-working day by decree",
    "working_weekend": "working weekend day",
    "exception_day_off": "company day off",
    "exception_working_day": "extra working day",
}


class Command(BaseCommand):
    help = "Business calendar questions: `calendar show YYYY-MM` prints a month day by day."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        show = actions.add_parser("show", help="a month's working and non-working days")
        show.add_argument("month", help="YYYY-MM, e.g. 2026-05")
        show.add_argument("--contract", help="that contract's calendar (default calendar else)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = report.parse_month(options["month"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        row, calendar, _plan = commands.calendar_and_plan(options["contract"])
        self.stdout.write(f"{month:%B %Y}: {row.name} ({row.time_zone})")
        day, working, business = month, 0, dt.timedelta()
        while day.month == month.month:
            info = calendar.day_info(day)
            self.stdout.write(line(info))
            if info.is_working:
                working += 1
                business += info.business_time
            day += dt.timedelta(days=1)
        self.stdout.write(
            f"Working days: {working}; business hours: {wording.duration_label(business)}"
        )


def line(info: DayInfo) -> str:
    """ "Fri 01 May  public holiday        Spring and Labour Day" """
    hours = ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in info.intervals)
    mark = "  " if info.is_working else "* "
    text = f"{mark}{info.day:%a %d %b}  {KIND_WORDS.get(info.kind, info.kind):<28}"
    details = " ".join(part for part in (hours, info.name) if part)
    return f"{text}{details}".rstrip()
