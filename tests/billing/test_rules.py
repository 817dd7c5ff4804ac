"""The pure billing rules: the calendar split, rounding and money, table-driven and by property."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secondline.billing import rules
from secondline.calendar import BusinessCalendar, russian_calendar

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
RUSSIA = russian_calendar()
H = timedelta(hours=1)
M = timedelta(minutes=1)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


# (start, end, business, out of hours, the rule it exercises)
SPLITS = [
    (msk(2024, 11, 1, 18, 30), msk(2024, 11, 1, 20), 30 * M, H, "weekday evening after 19:00"),
    (msk(2024, 11, 1, 9), msk(2024, 11, 1, 10, 30), 30 * M, H, "weekday morning before 10:00"),
    (msk(2024, 11, 1, 11), msk(2024, 11, 1, 13), 2 * H, 0 * H, "inside business hours"),
    (msk(2024, 11, 2, 11), msk(2024, 11, 2, 12), H, 0 * H, "working Saturday 2 Nov 2024"),
    (msk(2024, 11, 3, 11), msk(2024, 11, 3, 12), 0 * H, H, "Sunday"),
    (msk(2024, 11, 4, 11), msk(2024, 11, 4, 12), 0 * H, H, "Unity Day, public holiday"),
    (
        msk(2025, 6, 11, 18),
        msk(2025, 6, 12, 2),
        H,
        7 * H,
        "across midnight into Russia Day, 12 June 2025",
    ),
    (
        msk(2024, 12, 28, 18),
        msk(2024, 12, 28, 20),
        H,
        H,
        "working Saturday 28 Dec 2024 evening",
    ),
    (msk(2024, 11, 1, 18, 30), msk(2024, 11, 1, 18, 30), 0 * H, 0 * H, "empty log"),
]


@pytest.mark.parametrize(("start", "end", "business", "out_of_hours", "rule"), SPLITS)
def test_it_splits_work_by_the_russian_calendar(
    start: datetime, end: datetime, business: timedelta, out_of_hours: timedelta, rule: str
) -> None:
    assert rules.split(RUSSIA, start, end) == rules.Split(business, out_of_hours), rule


def test_it_knows_the_calendar_days_the_table_relies_on() -> None:
    assert RUSSIA.day_info(date(2024, 11, 2)).kind == "working_weekend"
    assert RUSSIA.day_info(date(2024, 11, 4)).kind == "holiday"
    assert RUSSIA.day_info(date(2025, 6, 12)).kind == "holiday"
    assert RUSSIA.day_info(date(2024, 12, 28)).kind == "working_weekend"


# Berlin with a Sunday night shift 01:00-05:00 across both DST changes of 2024.
NIGHT_SHIFT = BusinessCalendar(
    tz="Europe/Berlin",
    hours={**{d: [(time(10), time(19))] for d in range(5)}, 6: [(time(1), time(5))]},
)


@pytest.mark.parametrize(
    ("start", "end", "business", "out_of_hours", "rule"),
    [
        (
            datetime(2024, 3, 31, 0, tzinfo=BERLIN),
            datetime(2024, 3, 31, 6, tzinfo=BERLIN),
            3 * H,
            2 * H,
            "spring forward: 02:00-03:00 does not exist, 6 wall hours are 5 real ones",
        ),
        (
            datetime(2024, 10, 27, 0, tzinfo=BERLIN),
            datetime(2024, 10, 27, 6, tzinfo=BERLIN),
            5 * H,
            2 * H,
            "fall back: 02:00-03:00 happens twice, 6 wall hours are 7 real ones",
        ),
        (
            datetime(2024, 3, 29, 18, tzinfo=BERLIN),
            datetime(2024, 3, 29, 20, tzinfo=BERLIN),
            H,
            H,
            "a plain Friday evening in Berlin (Good Friday is not a holiday without rules)",
        ),
    ],
)
def test_it_splits_in_real_time_across_dst_in_a_non_moscow_calendar(
    start: datetime, end: datetime, business: timedelta, out_of_hours: timedelta, rule: str
) -> None:
    parts = rules.split(NIGHT_SHIFT, start, end)
    assert parts == rules.Split(business, out_of_hours), rule
    assert parts.total == timedelta(seconds=end.timestamp() - start.timestamp())


def test_it_refuses_naive_and_backwards_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        rules.split(RUSSIA, datetime(2024, 11, 1, 10), msk(2024, 11, 1, 11))
    with pytest.raises(ValueError, match="ends before"):
        rules.split(RUSSIA, msk(2024, 11, 1, 11), msk(2024, 11, 1, 10))


moments = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(MSK)
)


@settings(max_examples=300, deadline=None)
@given(start=moments, length=st.integers(min_value=0, max_value=3 * 24 * 3600))
def test_the_parts_always_add_up_to_the_whole(start: datetime, length: int) -> None:
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=length)
    parts = rules.split(RUSSIA, start, end)
    assert parts.business >= timedelta(0)
    assert parts.out_of_hours >= timedelta(0)
    assert parts.total == timedelta(seconds=length)


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2023, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(BERLIN)
    ),
    length=st.integers(min_value=0, max_value=2 * 24 * 3600),
    cut=st.integers(min_value=0, max_value=2 * 24 * 3600),
)
def test_the_parts_of_two_halves_add_up_to_the_parts_of_the_whole(
    start: datetime, length: int, cut: int
) -> None:
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=length)
    middle = start + timedelta(seconds=min(cut, length))
    whole = rules.split(NIGHT_SHIFT, start, end)
    first, second = rules.split(NIGHT_SHIFT, start, middle), rules.split(NIGHT_SHIFT, middle, end)
    assert whole.business == first.business + second.business
    assert whole.out_of_hours == first.out_of_hours + second.out_of_hours


@settings(max_examples=200, deadline=None)
@given(
    start=moments,
    length=st.integers(min_value=0, max_value=24 * 3600),
    windows=st.lists(
        st.tuples(
            st.integers(min_value=-12 * 3600, max_value=36 * 3600),
            st.integers(min_value=1, max_value=12 * 3600),
        ),
        max_size=4,
    ),
)
def test_verified_time_never_exceeds_the_out_of_hours_part(
    start: datetime, length: int, windows: list[tuple[int, int]]
) -> None:
    start = start.replace(microsecond=0)
    end = start + timedelta(seconds=length)
    spans = [(start + timedelta(seconds=a), start + timedelta(seconds=a + b)) for a, b in windows]
    covered = rules.out_of_hours_within(RUSSIA, start, end, spans)
    assert timedelta(0) <= covered <= rules.split(RUSSIA, start, end).out_of_hours
    everything = [(start - timedelta(days=1), end + timedelta(days=1))]
    assert (
        rules.out_of_hours_within(RUSSIA, start, end, everything)
        == rules.split(RUSSIA, start, end).out_of_hours
    )


def test_a_window_verifies_only_the_out_of_hours_time_inside_it() -> None:
    window = [(msk(2024, 11, 1, 19, 30), msk(2024, 11, 1, 23))]
    covered = rules.out_of_hours_within(RUSSIA, msk(2024, 11, 1, 18), msk(2024, 11, 1, 21), window)
    assert covered == 90 * M


def test_it_merges_overlapping_windows() -> None:
    a, b, c = msk(2024, 1, 1, 1), msk(2024, 1, 1, 2), msk(2024, 1, 1, 3)
    assert rules.merge([(b, c), (a, b), (a, a)]) == [(a, c)]


# (business s, out-of-hours s, increment, billed business, billed out of hours, why)
ROUNDING = [
    (1800, 3600, 15, 30, 60, "18:30-20:00 needs no rounding"),
    (130 * 60, 0, 15, 135, 0, "2 h 10 min is billed as 2 h 15 min"),
    (0, 5 * 60, 15, 10, 5, "5 min of night work: 5 at double rate, the 10 added at the normal"),
    (0, 3 * 60, 15, 12, 3, "a 3-minute Sunday log never bills 0.25 h at double rate"),
    (0, 15 * 60, 15, 0, 15, "15 min of night work needs no rounding"),
    (0, 16 * 60, 15, 14, 16, "16 min of night work: 16 at double rate, 14 added at the normal"),
    (0, 90, 15, 14, 1, "90 s of night work: one whole minute at double rate"),
    (20 * 60, 5 * 60, 15, 25, 5, "the rounding goes to the cheaper business part"),
    (20 * 60, 0, 1, 20, 0, "1-minute increment bills to the minute"),
    (30, 30, 1, 1, 0, "a started minute is charged at the business rate"),
    (0, 30, 1, 1, 0, "a started minute of night work alone is one minute at the normal rate"),
    (0, 2 * 3600, 60, 0, 120, "two whole night hours on an hourly increment"),
    (45 * 60, 20 * 60, 30, 70, 20, "65 min: rounded to 90, the 25 added are business minutes"),
    (0, 0, 15, 0, 0, "nothing billed, nothing rounded"),
    (3600, 0, 60, 60, 0, "an exact hour stays an hour"),
]


@pytest.mark.parametrize(("business", "ooh", "increment", "billed_b", "billed_o", "why"), ROUNDING)
def test_it_rounds_each_log_up_to_the_increment(
    business: int, ooh: int, increment: int, billed_b: int, billed_o: int, why: str
) -> None:
    assert rules.billed_minutes(business, ooh, increment) == rules.BilledMinutes(
        billed_b, billed_o
    ), why


@settings(max_examples=300, deadline=None)
@given(
    business=st.integers(min_value=0, max_value=86400),
    ooh=st.integers(min_value=0, max_value=86400),
    increment=st.sampled_from([1, 5, 6, 10, 15, 30, 60]),
)
def test_billed_time_covers_the_work_and_never_adds_night_time(
    business: int, ooh: int, increment: int
) -> None:
    billed = rules.billed_minutes(business, ooh, increment)
    assert billed.total * 60 >= business + ooh  # the work is covered
    assert billed.total % increment == 0  # in whole increments
    assert billed.total * 60 < business + ooh + increment * 60  # by less than one more
    assert billed.out_of_hours * 60 <= ooh  # rounding never creates double-rate time
    assert billed.out_of_hours * 60 > ooh - 60  # every whole minute worked at night is billed
    assert billed.business * 60 >= business  # and all business time at the business rate


@pytest.mark.parametrize(
    ("minutes", "rate", "expected"),
    [
        (30, Decimal("4000.00"), Decimal("2000.00")),
        (60, Decimal("8000.00"), Decimal("8000.00")),
        (10, Decimal("1000.00"), Decimal("166.67")),  # 166.666… rounds half up
        (1, Decimal("0.30"), Decimal("0.01")),  # 0.005 rounds up, not to even
        (0, Decimal("4000.00"), Decimal("0.00")),
    ],
)
def test_amounts_are_quantized_once_half_up(minutes: int, rate: Decimal, expected: Decimal) -> None:
    assert rules.amount(minutes, rate) == expected


def test_the_out_of_hours_rate_is_the_rate_times_the_multiplier() -> None:
    assert rules.out_of_hours_rate(Decimal("4000.00"), Decimal("2.00")) == Decimal("8000.00")
    assert rules.out_of_hours_rate(Decimal("1234.57"), Decimal("1.33")) == Decimal("1641.98")


def test_prepaid_hours_are_drawn_from_the_package_that_expires_first() -> None:
    early = rules.Package(1, Decimal(120), date(2024, 1, 1), date(2024, 3, 31))
    late = rules.Package(2, Decimal(600), date(2024, 1, 1), date(2024, 12, 31))
    usage = [(date(2024, 2, 1), Decimal(90)), (date(2024, 3, 1), Decimal(60))]
    used, drawn = rules.draw_down([late, early], usage)
    assert used == {1: Decimal(120), 2: Decimal(30)}
    assert drawn == {date(2024, 2, 1): Decimal(90), date(2024, 3, 1): Decimal(60)}


def test_work_outside_every_package_period_draws_nothing() -> None:
    package = rules.Package(1, Decimal(60), date(2024, 1, 1), date(2024, 1, 31))
    used, drawn = rules.draw_down([package], [(date(2024, 2, 1), Decimal(30))])
    assert used == {1: Decimal(0)}
    assert drawn == {}


def test_out_of_hours_minutes_weigh_the_multiplier_in_prepaid_hours() -> None:
    assert rules.weighted_minutes(30, 60, Decimal("2.00")) == Decimal(150)
    assert rules.used_share(Decimal(48), Decimal(60)) == Decimal("0.8")
    assert rules.used_share(Decimal(1), Decimal(0)) == Decimal(1)


@settings(max_examples=200, deadline=None)
@given(seconds=st.integers(min_value=0, max_value=14 * 86400))
def test_a_window_holds_its_time_rounded_up_to_the_cent_of_an_hour(seconds: int) -> None:
    held = rules.hours_up(seconds)
    assert held * 3600 >= seconds  # an estimate of all the time is never refused
    assert held * 3600 < seconds + 36  # and never more than a cent of an hour beyond it
    assert rules.estimate_fits(held, seconds)
    assert not rules.estimate_fits(held + rules.CENT, seconds)


amounts = st.decimals(min_value=0, max_value=100000, places=2)
minutes = st.integers(min_value=1, max_value=24 * 60).map(Decimal)


@given(st.lists(st.tuples(amounts, minutes, st.decimals(0, 2, places=2)), max_size=31))
def test_prepaid_never_covers_more_than_the_lines_and_all_of_them_when_drawn_whole(
    days: list[tuple[Decimal, Decimal, Decimal]],
) -> None:
    """``drawn`` as a share of the day's weighted minutes: up to twice them (a draw is capped)."""
    work = [rules.DayOfWork(amount, weighted, weighted * share) for amount, weighted, share in days]
    lines = sum((day.amount for day in work), Decimal(0))
    assert Decimal(0) <= rules.covered_amount(work) <= lines
    whole = [rules.DayOfWork(day.amount, day.weighted, day.weighted) for day in work]
    assert rules.covered_amount(whole) == lines
