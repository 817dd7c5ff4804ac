"""Why a deadline falls where it does, as a list of parts a person can read.

Pure Python, no Django import: the parts come from the calendar's ``day_info`` and the clock's
spans; ``secondline.sla.wording`` turns them into English or Russian, e.g. "filed Fri 1 Nov
18:30 MSK; 30 min counted on Fri 1 Nov; Sun 3 Nov off; Mon 4 Nov public holiday (Unity Day);
resumes Tue 5 Nov 10:00; due Tue 5 Nov 13:30".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal, Protocol

from secondline.calendar import DayInfo
from secondline.sla.clock import Span, stops

PartKind = Literal["filed", "counted", "off", "paused", "resumes", "due"]


class Calendar(Protocol):
    def day_info(self, day: date) -> DayInfo: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...

    @property
    def tz(self) -> tzinfo: ...


@dataclass(frozen=True, slots=True)
class Part:
    """One step of an explanation.

    filed: ``at`` (``after_hours`` when nothing counted that day); counted: ``first`` day and
    ``duration``; off: ``first``..``last`` days of one ``day_kind`` (weekend runs are grouped);
    paused: ``at``..``until`` and the business ``duration`` not counted; resumes/due: ``at``.
    """

    kind: PartKind
    at: datetime | None = None
    until: datetime | None = None
    first: date | None = None
    last: date | None = None
    duration: timedelta = timedelta()
    day_kind: str = ""
    name: str = ""
    after_hours: bool = False


ONE_DAY = timedelta(days=1)


def explain(calendar: Calendar, spans: Sequence[Span], due: datetime) -> list[Part]:
    """The parts explaining ``due`` for a clock that runs on ``spans`` (the first span starts at
    the filing). Days with time counted, days off and stops appear in time order; the due day
    comes last, preceded by "resumes" when the clock starts again after a day off or a stop."""
    if not spans:
        return []
    tz = calendar.tz
    filed = spans[0][0].astimezone(tz)
    due = due.astimezone(tz)
    pauses = [p for p in stops(spans) if p[0] < due]
    parts: list[Part] = [Part("filed", at=filed)]
    day, last_day = filed.date(), due.date()
    while day <= last_day:
        info = calendar.day_info(day)
        counted, first_counted = _counted(info, spans, due)
        if day == last_day:
            if first_counted is not None and parts[-1].kind == "off":
                parts.append(Part("resumes", at=first_counted.astimezone(tz)))
        elif counted:
            parts.append(_counted_part(info, counted))
        elif not info.is_working:
            _add_off(parts, info)
        elif day == filed.date():
            parts[0] = Part("filed", at=filed, after_hours=True)
        parts.extend(
            Part(
                "paused",
                at=start.astimezone(tz),
                until=end.astimezone(tz),
                duration=calendar.between(start, end),
            )
            for start, end in pauses
            if start.astimezone(tz).date() == day
        )
        day += ONE_DAY
    info = calendar.day_info(last_day)
    parts.append(Part("due", at=due, day_kind=info.kind, name=info.name))
    return parts


def _counted(
    info: DayInfo, spans: Sequence[Span], due: datetime
) -> tuple[timedelta, datetime | None]:
    """Business time of this day that the clock ran before ``due``, and when it first ran."""
    total, first = timedelta(), None
    for open_at, close_at in info.intervals:
        for start, end in spans:
            lo = max(open_at, start)
            hi = min(close_at, due if end is None else min(end, due))
            if hi > lo:
                total += timedelta(seconds=hi.timestamp() - lo.timestamp())
                first = lo if first is None else min(first, lo)
    return total, first


def _counted_part(info: DayInfo, counted: timedelta) -> Part:
    return Part("counted", first=info.day, duration=counted, day_kind=info.kind, name=info.name)


def _add_off(parts: list[Part], info: DayInfo) -> None:
    """A day off; consecutive days off of one kind and name make one part ("Sat 2-Sun 3 Nov
    off", "Wed 1-Mon 6 Jan public holiday (New Year Holidays)")."""
    previous = parts[-1] if parts else None
    if (
        previous is not None
        and previous.kind == "off"
        and (previous.day_kind, previous.name) == (info.kind, info.name)
        and previous.last == info.day - ONE_DAY
    ):
        parts[-1] = Part(
            "off", first=previous.first, last=info.day, day_kind=info.kind, name=info.name
        )
        return
    parts.append(Part("off", first=info.day, last=info.day, day_kind=info.kind, name=info.name))
