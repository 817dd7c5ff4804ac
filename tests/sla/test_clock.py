"""The pure SLA clock: spans, deadlines with stops, and the state rules (table-driven)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from secondline.calendar import russian_calendar
from secondline.sla import clock
from secondline.sla.clock import Clock, State

MSK = ZoneInfo("Europe/Moscow")
CAL = russian_calendar()
H = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


def test_it_builds_the_running_spans_from_the_status_history() -> None:
    history = [
        (at(2, 10), "new"),
        (at(2, 11), "accepted"),
        (at(2, 12), "waiting"),
        (at(3, 12), "in_progress"),
        (at(4, 12), "resolved"),
        (at(5, 12), "in_progress"),
    ]
    assert clock.running_spans(history) == [
        (at(2, 10), at(2, 12)),
        (at(3, 12), at(4, 12)),
        (at(5, 12), None),
    ]


def test_a_declined_ticket_stops_its_clocks() -> None:
    assert clock.running_spans([(at(2, 10), "new"), (at(2, 11), "declined")]) == [
        (at(2, 10), at(2, 11))
    ]


@pytest.mark.parametrize(
    ("spans", "budget", "now", "due", "rule"),
    [
        ([(at(2, 10), None)], 4 * H, at(2, 10), at(2, 14), "runs from filing"),
        ([(at(6, 18), None)], 4 * H, at(6, 18), at(10, 13), "Fri 6 Mar -> Mon 9 Mar is off"),
        (
            [(at(2, 10), at(2, 12)), (at(3, 12), None)],
            4 * H,
            at(3, 13),
            at(3, 14),
            "a stop of a business day moves the deadline by that day",
        ),
        (
            [(at(2, 10), at(2, 12))],
            4 * H,
            at(3, 12),
            at(3, 14),
            "stopped now: provisional, as if the clock resumed now",
        ),
        (
            [(at(2, 10), at(2, 15)), (at(3, 10), None)],
            4 * H,
            at(3, 11),
            at(2, 14),
            "a stop after the deadline does not move it",
        ),
        ([(at(2, 10), None)], timedelta(0), at(2, 10), at(2, 10), "a zero target is due at once"),
    ],
)
def test_deadline(spans, budget, now, due, rule) -> None:
    assert clock.deadline(CAL, budget, spans, now) == due, rule


def test_once_the_goal_is_reached_later_stops_do_not_move_the_deadline() -> None:
    spans = [(at(2, 10), at(2, 11)), (at(4, 10), None)]  # a day's wait after the reaction
    reacted = at(2, 10, 30)
    kept = clock.goal_spans(spans, reacted)
    assert kept == [(at(2, 10), None)]
    assert clock.deadline(CAL, 4 * H, kept, at(4, 12)) == at(2, 14)


def test_stops_before_the_goal_still_count() -> None:
    spans = [(at(2, 10), at(2, 11)), (at(3, 10), None)]
    kept = clock.goal_spans(spans, at(3, 11))
    assert kept == [(at(2, 10), at(2, 11)), (at(3, 10), None)]
    assert clock.deadline(CAL, 4 * H, kept, at(3, 11)) == at(3, 13)


def test_elapsed_counts_only_the_running_spans() -> None:
    spans = [(at(2, 10), at(2, 12)), (at(3, 15), None)]
    assert clock.elapsed(CAL, spans, at(3, 16)) == 3 * H


@pytest.mark.parametrize(
    ("now", "reached", "expected", "rule"),
    [
        (at(2, 10), None, State.ON_TRACK, "just filed"),
        (at(2, 13, 11), None, State.ON_TRACK, "48 min left of 4 h is 20 % + 0:01"),
        (at(2, 13, 12), None, State.AT_RISK, "80 % of the target elapsed"),
        (at(2, 14), None, State.AT_RISK, "due now is not yet late"),
        (at(2, 14, 1), None, State.BREACHED, "past the deadline"),
        (at(3, 10), at(2, 13, 59), State.MET, "reached in time"),
        (at(3, 10), at(2, 14, 1), State.BREACHED, "reached late"),
    ],
)
def test_clock_state(now, reached, expected, rule) -> None:
    assert clock.clock_state(CAL, Clock(4 * H, at(2, 14), reached), now) == expected, rule


@pytest.mark.parametrize(
    ("states", "status", "expected"),
    [
        ([State.ON_TRACK], "declined", State.NONE),
        ([], "new", State.NONE),
        ([State.MET, State.AT_RISK], "in_progress", State.AT_RISK),
        ([State.MET, State.BREACHED], "in_progress", State.BREACHED),
        ([State.ON_TRACK], "waiting", State.PAUSED),
        ([State.BREACHED], "waiting", State.BREACHED),
        ([State.MET], "waiting", State.MET),
        ([State.MET, State.MET], "closed", State.MET),
    ],
)
def test_the_ticket_shows_the_worst_of_its_clocks(states, status, expected) -> None:
    now = at(2, 12)
    made = {
        State.ON_TRACK: Clock(4 * H, at(2, 16)),
        State.AT_RISK: Clock(4 * H, at(2, 12, 30)),
        State.BREACHED: Clock(4 * H, at(2, 11)),
        State.MET: Clock(4 * H, at(2, 14), at(2, 11)),
    }
    clocks = [made[state] for state in states]
    assert clock.ticket_state(CAL, clocks, status, now) == expected


PRIORITIES = [(at(2, 10), "normal"), (at(2, 13), "urgent"), (at(3, 10), "low")]


@pytest.mark.parametrize(
    ("moment", "expected", "rule"),
    [
        (at(2, 10), "normal", "the priority it was filed with"),
        (at(2, 12, 59), "normal", "before the first correction"),
        (at(2, 13), "normal", "a correction in the same instant is not yet in force"),
        (at(2, 13, 1), "urgent", "after the first correction"),
        (at(4, 10), "low", "after the last correction"),
    ],
)
def test_the_priority_in_force(moment, expected, rule) -> None:
    assert clock.in_force(PRIORITIES, moment) == expected, rule
    assert clock.in_force([(at(2, 10), "high")], moment) == "high", "never corrected"


# Filed Mon 2 Mar 10:00, running without a stop: 1 h -> 11:00, 4 h -> 14:00, 9 h -> 19:00.
FROM_FILING = [(at(2, 10), None)]


@pytest.mark.parametrize(
    ("budget", "reached", "then", "expected", "rule"),
    [
        (H, None, 9 * H, Clock(H, at(2, 11)), "running: the current target only"),
        (H, at(2, 12), 9 * H, Clock(9 * H, at(2, 19), at(2, 12)), "raised after a reaction"),
        (27 * H, at(2, 13), H, Clock(27 * H, at(4, 19), at(2, 13)), "lowered after a late one"),
        (H, at(2, 15), 4 * H, Clock(4 * H, at(2, 14), at(2, 15)), "late for both: the kinder"),
        (4 * H, at(2, 12), 4 * H, Clock(4 * H, at(2, 14), at(2, 12)), "never corrected"),
        (H, at(2, 12), None, Clock(H, at(2, 12), at(2, 12)), "nothing owed then: met"),
        (9 * H, at(2, 12), None, Clock(9 * H, at(2, 19), at(2, 12)), "nothing owed, in time"),
    ],
)
def test_a_goal_reached_is_judged_by_the_target_then_or_now(
    budget, reached, then, expected, rule
) -> None:
    made = clock.goal_clock(CAL, FROM_FILING, at(3, 12), budget, reached, then)
    assert made == expected, rule
    if reached is not None:
        assert clock.clock_state(CAL, made, at(3, 12)) in (State.MET, State.BREACHED)
        in_time = reached <= clock.deadline(CAL, budget, FROM_FILING, at(3, 12)) or (
            then is None or reached <= clock.deadline(CAL, then, FROM_FILING, at(3, 12))
        )
        assert (clock.clock_state(CAL, made, at(3, 12)) == State.MET) == in_time, rule


def test_updates_given_are_judged_by_the_interval_then_in_force() -> None:
    """Updates every 2 h until the raise at 12:10, then every 30 min: the update of 12:00
    (90 min after the reaction) is in time; the next one is owed 30 min after it."""
    updates = [at(2, 10, 30), at(2, 12)]

    def interval(moment: datetime) -> timedelta:
        return 2 * H if moment <= at(2, 12, 10) else H / 2  # raised at 12:10

    clocks = clock.update_clocks(CAL, H / 2, FROM_FILING, updates, at(2, 12, 20), interval)
    assert clocks == [
        Clock(2 * H, at(2, 12, 30), at(2, 12)),
        Clock(H / 2, at(2, 12, 30)),
    ]
    assert clock.ticket_state(CAL, clocks, "in_progress", at(2, 12, 20)) == State.ON_TRACK
    judged_now = clock.update_clocks(CAL, H / 2, FROM_FILING, updates, at(2, 12, 20))
    assert judged_now[0] == Clock(H / 2, at(2, 11), at(2, 12)), "without: the current interval"
