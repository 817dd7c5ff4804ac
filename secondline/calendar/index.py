"""The interval index: working intervals as arrays of epoch seconds, searched with bisect.

Every query is O(log n): find the interval around an instant in ``starts``, turn the instant
into a *position* (business seconds since the start of the index) with one addition, and turn a
position back into an instant with a bisect over ``cum_end``. Boundaries are whole seconds, so
the floats are exact; an input with microseconds is off by less than half a microsecond (until
about 2100, when epoch seconds outgrow that float precision), which ``datetime.fromtimestamp``
rounds away. Results are exact to the second in any year.

A method answers ``None`` when the question reaches outside the covered span; the calendar then
extends the index and asks again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class IntervalIndex:
    """Sorted, non-overlapping working intervals covering the instants ``lo <= t < hi``."""

    __slots__ = ("cum_end", "ends", "hi", "lo", "offset", "starts")

    def __init__(self, intervals: Iterable[tuple[float, float]], lo: float, hi: float) -> None:
        self.lo = lo
        self.hi = hi
        self.starts: list[float] = []
        self.ends: list[float] = []
        #: business seconds up to the end of interval i
        self.cum_end: list[float] = []
        #: business seconds before interval i minus its start: position(t) = offset[i] + t
        self.offset: list[float] = []
        total = 0.0
        for start, end in intervals:
            self.starts.append(start)
            self.ends.append(end)
            self.offset.append(total - start)
            total += end - start
            self.cum_end.append(total)

    @property
    def total(self) -> float:
        """Business seconds in the whole index."""
        return self.cum_end[-1] if self.cum_end else 0.0

    def position(self, t: float) -> float | None:
        """Business seconds from ``lo`` to the instant ``t``."""
        if not self.lo <= t < self.hi:
            return None
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        return min(self.offset[i] + t, self.cum_end[i])

    def instant(self, position: float) -> float | None:
        """The earliest instant whose position is ``position`` (> 0): an interval's end, not the
        next interval's start, when the position falls between them."""
        if position > self.total:
            return None
        return position - self.offset[bisect_left(self.cum_end, position)]

    def add(self, t: float, seconds: float) -> float | None:
        """The earliest instant at which ``seconds`` (> 0) of business time have passed after
        ``t``; the usual case, start and end in one interval, takes a single bisect."""
        if not self.lo <= t < self.hi:
            return None
        i = bisect_right(self.starts, t) - 1
        cum_end, offset = self.cum_end, self.offset
        if i < 0:
            target = seconds
        else:
            end_position = cum_end[i]
            position = offset[i] + t
            target = (end_position if position > end_position else position) + seconds
            if target <= end_position:
                return target - offset[i]
        if not cum_end or target > cum_end[-1]:
            return None
        return target - offset[bisect_left(cum_end, target)]

    def is_open(self, t: float) -> bool | None:
        """Whether ``t`` lies inside a working interval (start included, end excluded)."""
        if not self.lo <= t < self.hi:
            return None
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]

    def next_open(self, t: float) -> float | None:
        """``t`` itself when open, else the start of the next working interval."""
        if not self.lo <= t < self.hi:
            return None
        i = bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return t
        return self.starts[i + 1] if i + 1 < len(self.starts) else None
