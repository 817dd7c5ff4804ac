"""SLA deadline benchmark: SecondLine's business calendar against ``businesstimedelta``.

Both compute "start + N business hours" on the same official Russian calendar (Monday-Friday
10:00-19:00 Moscow time). Starts are drawn across 2019-2026 and targets from one minute to 200
business hours, with a fixed seed; SecondLine runs the whole draw, the peer a sample of it (it is
far slower), and the sample's deadlines are compared to the second.

    .venv/bin/python bench/sla_bench.py [--n 1000000] [--peer-n 5000] [--seed 20241101]

The last line is machine-readable: secondline_per_s=... peer_per_s=... ratio=... agree=.../N
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from bisect import bisect_left
from datetime import date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytz  # businesstimedelta works with pytz zones
from businesstimedelta import BusinessTimeDelta, HolidayRule, Rule, Rules, WorkDayRule

from secondline.calendar import BusinessCalendar, russian_calendar

MSK = ZoneInfo("Europe/Moscow")
OPEN, CLOSE = wall(10), wall(19)
FIRST, LAST = datetime(2019, 1, 1, tzinfo=MSK), datetime(2027, 1, 1, tzinfo=MSK)
MIN_TARGET, MAX_TARGET = 60, 200 * 3600  # seconds of business time


def draw(n: int, seed: int) -> tuple[list[datetime], list[timedelta]]:
    """Whole-second starts across 2019-2026 and targets of 1 minute to 200 business hours."""
    rnd = random.Random(seed)
    lo, hi = int(FIRST.timestamp()), int(LAST.timestamp())
    starts = [datetime.fromtimestamp(rnd.randrange(lo, hi), MSK) for _ in range(n)]
    targets = [timedelta(seconds=rnd.randint(MIN_TARGET, MAX_TARGET)) for _ in range(n)]
    return starts, targets


class WorkingDatesRule(Rule):  # type: ignore[misc]
    """Working hours on given dates only: the Saturdays a decree made working.

    ``businesstimedelta`` has WorkDayRule (by weekday) and HolidayRule (dates off) but nothing
    for extra working dates, so this adds one in its own Rule protocol: ``next(dt)`` returns
    the current or next working block.
    """

    def __init__(self, dates: list[date], tz: pytz.BaseTzInfo) -> None:
        super().__init__(tz=tz, time_off=False)
        self.dates = sorted(dates)

    def next(self, dt: datetime) -> tuple[datetime, datetime]:
        for day in self.dates[bisect_left(self.dates, dt.astimezone(self.tz).date()) :]:
            start = self.tz.localize(datetime.combine(day, OPEN))
            end = self.tz.localize(datetime.combine(day, CLOSE))
            if end > dt:
                return max(start, dt), end
        never = self.tz.localize(datetime(9000, 1, 1))
        return never, never + timedelta(hours=9)


def peer_rule(cal: BusinessCalendar, first: int, last: int) -> Rules:
    """The same calendar in businesstimedelta's terms, read day by day from ``cal``."""
    tz = pytz.timezone("Europe/Moscow")
    days = [
        date(first, 1, 1) + timedelta(n)
        for n in range((date(last + 1, 1, 1) - date(first, 1, 1)).days)
    ]
    worked = {day for day in days if cal.day_info(day).is_working}
    weekdays_off = [day for day in days if day.weekday() < 5 and day not in worked]
    weekends_on = [day for day in days if day.weekday() >= 5 and day in worked]
    return Rules(
        [
            WorkDayRule(start_time=OPEN, end_time=CLOSE, working_days=[0, 1, 2, 3, 4], tz=tz),
            WorkingDatesRule(weekends_on, tz),
            HolidayRule(set(weekdays_off), tz=tz),
        ]
    )


def time_secondline(
    cal: BusinessCalendar, starts: list[datetime], targets: list[timedelta]
) -> float:
    add = cal.add
    add(starts[0], targets[0])  # build the index before the clock starts
    began = time.perf_counter()
    for start, target in zip(starts, targets, strict=True):
        add(start, target)
    return time.perf_counter() - began


def time_peer(
    rule: Rules, starts: list[datetime], targets: list[timedelta]
) -> tuple[float, list[datetime]]:
    began = time.perf_counter()
    results = [
        start + BusinessTimeDelta(rule, timedelta=target)
        for start, target in zip(starts, targets, strict=True)
    ]
    return time.perf_counter() - began, results


def compare(
    cal: BusinessCalendar, starts: list[datetime], targets: list[timedelta], peer: list[datetime]
) -> int:
    """How many of the peer's deadlines equal SecondLine's to the second; prints the others."""
    agree = 0
    for start, target, theirs in zip(starts, targets, peer, strict=True):
        ours = cal.add(start, target)
        if round(ours.timestamp()) == round(theirs.timestamp()):
            agree += 1
        else:
            print(f"  disagree: {start} + {target}: SecondLine {ours}, peer {theirs}")
    return agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="SecondLine add() calls")
    parser.add_argument("--peer-n", type=int, default=5_000, help="businesstimedelta sample")
    parser.add_argument("--seed", type=int, default=20241101)
    args = parser.parse_args()

    cal = russian_calendar()
    starts, targets = draw(args.n, args.seed)
    print(f"{args.n:,} starts in 2019-2026, 1 min - 200 business hours, seed {args.seed}")

    ours_rate = args.n / time_secondline(cal, starts, targets)
    print(f"SecondLine        {args.n:>9,} add() calls: {ours_rate:>11,.0f}/s")

    sample = starts[: args.peer_n], targets[: args.peer_n]
    peer_s, peer_results = time_peer(peer_rule(cal, 2018, 2028), *sample)
    peer_rate = args.peer_n / peer_s
    print(f"businesstimedelta {args.peer_n:>9,} additions:  {peer_rate:>11,.0f}/s")

    agree = compare(cal, *sample, peer_results)
    ratio = ours_rate / peer_rate
    print(f"SecondLine is {ratio:,.0f}x faster; {agree}/{args.peer_n} deadlines agree")
    print(
        f"secondline_per_s={ours_rate:.0f} peer_per_s={peer_rate:.0f} ratio={ratio:.0f}"
        f" agree={agree}/{args.peer_n}"
    )


if __name__ == "__main__":
    main()
