"""The billing rules, as plain Python: the business/out-of-hours split, rounding and money.

No Django import: the service layer feeds these functions the contract's ``BusinessCalendar``
and plain values, and stores what they return.

Contract rules applied here:

* time is billed in the business time of the contract's calendar; any work outside business
  hours is billed at the out-of-hours multiplier (double rate by default), and only the part of
  it that both parties verified (an approved out-of-hours request covering it);
* each work log's billable time is rounded up to the contract's increment (15 minutes by
  default); out-of-hours minutes are only the whole minutes worked out of hours, and every
  minute added by rounding is billed at the business rate, even on a log with no business time,
  so rounding never creates double-rate time that was not worked (``billed_minutes``);
* money is ``Decimal`` and every amount is quantized once, by ``money()``, half up to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")
MINUTES_PER_HOUR = Decimal(60)
SECONDS_PER_HOUR = Decimal(3600)
ZERO = Decimal(0)


class Calendar(Protocol):
    """What the split needs from ``secondline.calendar.BusinessCalendar``."""

    def between(self, start: datetime, end: datetime) -> timedelta: ...


@dataclass(frozen=True, slots=True)
class Split:
    """A stretch of work cut in two by the calendar; the parts add up to the whole."""

    business: timedelta
    out_of_hours: timedelta

    @property
    def total(self) -> timedelta:
        return self.business + self.out_of_hours


def _check(start: datetime, end: datetime) -> None:
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware datetime")
    if end < start:
        raise ValueError(f"work ends before it starts: {start.isoformat()} > {end.isoformat()}")


def _seconds(start: datetime, end: datetime) -> int:
    """Real elapsed seconds (not wall-clock: a DST change inside the span counts as it is)."""
    return round(end.timestamp() - start.timestamp())


def split(calendar: Calendar, start: datetime, end: datetime) -> Split:
    """Business time and out-of-hours time of the work from ``start`` to ``end``.

    Business time is what the calendar counts (weekday hours, less weekends and official days
    off, plus working Saturdays); everything else in the span is out of hours. Whole seconds.
    """
    _check(start, end)
    total = _seconds(start, end)
    business = min(total, max(0, round(calendar.between(start, end).total_seconds())))
    return Split(timedelta(seconds=business), timedelta(seconds=total - business))


def merge(windows: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching windows merged into disjoint ones, earliest first."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def out_of_hours_within(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    windows: Iterable[tuple[datetime, datetime]],
) -> timedelta:
    """The out-of-hours time of ``start``-``end`` that falls inside the given windows.

    The windows are those of approved out-of-hours requests: only this part of the work's
    out-of-hours time is verified by both parties and may be billed.
    """
    _check(start, end)
    covered = timedelta()
    for window_start, window_end in merge(windows):
        piece_start, piece_end = max(start, window_start), min(end, window_end)
        if piece_end > piece_start:
            covered += split(calendar, piece_start, piece_end).out_of_hours
    return covered


def agreed_rate(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    windows: Iterable[tuple[datetime, datetime, Decimal]],
) -> Decimal | None:
    """The out-of-hours rate both parties approved for the work from ``start`` to ``end``: that
    of the approved request (window, snapshotted rate) whose window holds out-of-hours time of
    the work; of several, the lowest, so no part is billed above a price the customer approved
    for it. None when no window holds any."""
    rates = [
        rate
        for window_start, window_end, rate in windows
        if out_of_hours_within(calendar, start, end, [(window_start, window_end)])
    ]
    return min(rates, default=None)


def round_up(value: int, increment: int) -> int:
    """``value`` minutes rounded up to a multiple of ``increment`` minutes (1 or 0: as is)."""
    if increment <= 1 or value <= 0:
        return max(value, 0)
    return -(-value // increment) * increment


def ceil_minutes(seconds: int) -> int:
    """Seconds as whole minutes, a started minute counting as a whole one."""
    return -(-seconds // 60)


@dataclass(frozen=True, slots=True)
class BilledMinutes:
    """The minutes of one work log that go on the bill, at each rate."""

    business: int
    out_of_hours: int

    @property
    def total(self) -> int:
        return self.business + self.out_of_hours


def billed_minutes(
    business_seconds: int, out_of_hours_seconds: int, increment: int
) -> BilledMinutes:
    """The rounding rule of docs/billing.md, for one log's billable time (business seconds and
    verified out-of-hours seconds):

    1. the log's total is counted in started minutes and rounded up to the contract's
       increment: the total, not each part, so one stretch of work is never charged two
       increments;
    2. the out-of-hours part is the whole minutes worked out of hours, never rounded up;
    3. the rest is billed at the business rate: the business time and every minute added by
       rounding, even when the log has no business time (a 3-minute Sunday log on a 15-minute
       increment is 3 minutes at the out-of-hours rate and 12 at the business rate).
    """
    business, out_of_hours = max(business_seconds, 0), max(out_of_hours_seconds, 0)
    total = round_up(ceil_minutes(business + out_of_hours), increment)
    out_minutes = out_of_hours // 60
    return BilledMinutes(total - out_minutes, out_minutes)


def hours_up(seconds: int) -> Decimal:
    """Seconds as hours rounded up to the cent: the most hours a stretch of time can hold."""
    return (Decimal(max(seconds, 0)) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_CEILING)


def estimate_fits(estimated_hours: Decimal, out_of_hours_seconds: int) -> bool:
    """An out-of-hours request's estimate fits the out-of-hours time of its window."""
    return estimated_hours <= hours_up(out_of_hours_seconds)


def money(value: Decimal) -> Decimal:
    """The one quantize helper: an amount to the cent, half up (0.005 -> 0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def out_of_hours_rate(hourly_rate: Decimal, multiplier: Decimal) -> Decimal:
    """The hourly rate for work outside business hours (hourly rate x multiplier)."""
    return money(hourly_rate * multiplier)


def amount(minutes_billed: int | Decimal, hourly_rate: Decimal) -> Decimal:
    """What ``minutes_billed`` minutes cost at ``hourly_rate`` per hour, to the cent."""
    return money(Decimal(minutes_billed) * hourly_rate / MINUTES_PER_HOUR)


def hours(minutes_billed: int | Decimal) -> Decimal:
    """Minutes as hours for display, to two places (15 min = 0.25 h)."""
    return money(Decimal(minutes_billed) / MINUTES_PER_HOUR)


@dataclass(frozen=True, slots=True)
class Package:
    """A prepaid hour package, in minutes, usable on work dated ``valid_from``-``valid_until``."""

    key: int
    minutes: Decimal
    valid_from: date
    valid_until: date


def draw_down(
    packages: Sequence[Package], usage: Iterable[tuple[date, Decimal]]
) -> tuple[dict[int, Decimal], dict[date, Decimal]]:
    """Charge each day's used minutes to the prepaid packages valid on that day.

    Days are taken in order and each draws first from the package that expires first (then the
    older one), so hours never lapse while a later-expiring package is used. Returns the minutes
    used per package and the minutes drawn per day; what no package covers is billed.
    """
    left = {package.key: package.minutes for package in packages}
    drawn: dict[date, Decimal] = {}
    ordered = sorted(packages, key=lambda p: (p.valid_until, p.valid_from, p.key))
    for day, used in sorted(usage):
        need = used
        for package in ordered:
            if need <= 0:
                break
            if package.valid_from <= day <= package.valid_until and left[package.key] > 0:
                take = min(need, left[package.key])
                left[package.key] -= take
                need -= take
                drawn[day] = drawn.get(day, ZERO) + take
    return {p.key: p.minutes - left[p.key] for p in packages}, drawn


def weighted_minutes(business: int, out_of_hours: int, multiplier: Decimal) -> Decimal:
    """Minutes a prepaid package is charged: out-of-hours minutes weigh the multiplier (an hour
    at double rate uses two prepaid hours), so a package is worth the same money either way."""
    return Decimal(business) + Decimal(out_of_hours) * multiplier


@dataclass(frozen=True, slots=True)
class DayOfWork:
    """One day of a statement's work lines: their amount and their prepaid-weighted minutes
    (``weighted_minutes``), and the prepaid minutes the packages gave that day."""

    amount: Decimal
    weighted: Decimal
    drawn: Decimal


def covered_amount(days: Iterable[DayOfWork]) -> Decimal:
    """What the prepaid minutes drawn are worth, priced as the statement's lines price the
    work: each day, the share of its weighted minutes drawn times its lines' amount, rounded
    once. A day drawn whole is covered at exactly its lines' amount, so prepaid hours that
    cover every billed minute leave nothing due, not the cent the lines' own rounding made."""
    covered = ZERO
    for day in days:
        if day.weighted > 0 and day.drawn > 0:
            covered += day.amount * min(day.drawn / day.weighted, Decimal(1))
    return money(covered)


def used_share(used: Decimal, total: Decimal) -> Decimal:
    """The share of a package used, 0-1 (an empty package counts as fully used)."""
    return Decimal(1) if total <= 0 else used / total
