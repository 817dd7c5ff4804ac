"""Verified out-of-hours work is billed at the rate both parties approved on its request (F3),
not at the contract's rate of the day the statement is generated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from secondline.billing import corrections, out_of_hours, rules, statements
from secondline.billing.models import OutOfHoursStatus, PrepaidPackage
from secondline.calendar import russian_calendar
from tests.billing.conftest import msk

JANUARY = dt.date(2025, 1, 1)


def raise_rate(contract: Any, rate: str) -> None:
    contract.hourly_rate = Decimal(rate)
    contract.save()


def test_the_approved_rate_is_billed_after_the_contracts_rate_rises(
    personas: Any, ticket: Any, log: Any, approved: Any, manager: Any
) -> None:
    contract = personas.contract
    request = approved(ticket, msk(2025, 1, 12, 10), msk(2025, 1, 12, 12))  # Sunday
    assert request.out_of_hours_rate == Decimal("8000.00")  # 4000 x 2, both approved it
    sunday = log(ticket, msk(2025, 1, 12, 10), msk(2025, 1, 12, 11))
    assert sunday.out_of_hours_rate == Decimal("8000.00")
    raise_rate(contract, "5000.00")
    log(ticket, msk(2025, 1, 13, 10), msk(2025, 1, 13, 11))
    statement = statements.generate_statement(contract, JANUARY, manager)
    rows = [
        (line.work_date.day, line.out_of_hours_rate, line.out_of_hours_amount, line.amount)
        for line in statement.lines.order_by("work_date")
    ]
    assert rows == [
        (12, Decimal("8000.00"), Decimal("8000.00"), Decimal("8000.00")),
        (13, Decimal("10000.00"), Decimal("0.00"), Decimal("5000.00")),
    ]
    assert statement.out_of_hours_rate == Decimal("10000.00")  # the contract's, for new work
    assert statement.out_of_hours_amount == Decimal("8000.00")
    assert statement.total_amount == Decimal("13000.00")
    # a correction re-prices the line at its own, approved rate
    line = statement.lines.get(work_date=dt.date(2025, 1, 12))
    corrections.correct_line(line, manager, reason="Half", out_of_hours_hours=Decimal("0.5"))
    line.refresh_from_db()
    assert line.amount == Decimal("4000.00")


def test_a_line_per_ticket_day_and_activity_unless_the_approved_rate_differs(
    personas: Any, ticket: Any, log: Any, approved: Any, manager: Any
) -> None:
    """Tue 14 Jan: 10:00-11:00 in business hours and 19:00-20:00 out of hours, approved."""
    contract = personas.contract
    approved(ticket, msk(2025, 1, 14, 19), msk(2025, 1, 14, 21))
    morning = log(ticket, msk(2025, 1, 14, 10), msk(2025, 1, 14, 11))
    evening = log(ticket, msk(2025, 1, 14, 19), msk(2025, 1, 14, 20))
    statement = statements.generate_statement(contract, JANUARY, manager)
    assert list(statement.lines.values_list("worklog_count", "out_of_hours_rate", "amount")) == [
        (2, Decimal("8000.00"), Decimal("12000.00"))
    ]
    assert list(statements.line_worklogs(statement.lines.get())) == [morning, evening]
    raise_rate(contract, "5000.00")
    statement = statements.generate_statement(contract, JANUARY, manager)
    lines = statement.lines.order_by("started_at")
    assert list(lines.values_list("worklog_count", "out_of_hours_rate", "amount")) == [
        (1, Decimal("10000.00"), Decimal("5000.00")),
        (1, Decimal("8000.00"), Decimal("8000.00")),
    ]
    assert [list(statements.line_worklogs(line)) for line in lines] == [[morning], [evening]]


def test_prepaid_hours_cover_the_approved_price_whole(
    personas: Any, ticket: Any, log: Any, approved: Any, manager: Any
) -> None:
    contract = personas.contract
    PrepaidPackage.objects.create(
        contract=contract,
        hours=Decimal("10"),
        purchased_on=JANUARY,
        valid_from=JANUARY,
        valid_until=dt.date(2025, 12, 31),
    )
    approved(ticket, msk(2025, 1, 12, 10), msk(2025, 1, 12, 12))
    log(ticket, msk(2025, 1, 12, 10), msk(2025, 1, 12, 11))
    raise_rate(contract, "5000.00")
    statement = statements.generate_statement(contract, JANUARY, manager)
    assert statement.total_amount == Decimal("8000.00")
    assert statement.prepaid_minutes_used == 120  # an out-of-hours hour weighs two
    assert statement.amount_due == Decimal("0.00")


def test_unverified_or_rejected_work_has_no_approved_rate(
    ticket: Any, log: Any, agent: Any, responsible: Any
) -> None:
    saturday = log(ticket, msk(2025, 1, 11, 10), msk(2025, 1, 11, 11))
    business = log(ticket, msk(2025, 1, 13, 10), msk(2025, 1, 13, 11))
    request = out_of_hours.raise_out_of_hours_request(
        ticket, agent, reason="Saturday check", worklogs=[saturday]
    )
    out_of_hours.reject_out_of_hours_request(request, responsible, "Not agreed")
    saturday.refresh_from_db()
    assert saturday.out_of_hours_status == OutOfHoursStatus.REJECTED
    assert saturday.out_of_hours_rate is None and business.out_of_hours_rate is None


CALENDAR = russian_calendar()
SUNDAY = (msk(2025, 1, 12, 10), msk(2025, 1, 12, 11))


@pytest.mark.parametrize(
    ("windows", "rate"),
    [
        # one approved request holding the work: its rate
        ([(msk(2025, 1, 12, 9), msk(2025, 1, 12, 12), Decimal(8000))], Decimal(8000)),
        # two: the lower price the customer approved
        (
            [
                (msk(2025, 1, 12, 9), msk(2025, 1, 12, 12), Decimal(10000)),
                (msk(2025, 1, 12, 10, 30), msk(2025, 1, 12, 11), Decimal(8000)),
            ],
            Decimal(8000),
        ),
        # a window beside the work holds none of it
        ([(msk(2025, 1, 12, 11), msk(2025, 1, 12, 12), Decimal(6000))], None),
        ([], None),
    ],
)
def test_agreed_rate(windows: list[Any], rate: Decimal | None) -> None:
    assert rules.agreed_rate(CALENDAR, *SUNDAY, windows) == rate
