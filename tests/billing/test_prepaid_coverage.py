"""What prepaid hours cover is priced as the statement's lines price the work (F2): hours that
cover every billed minute leave exactly 0.00 due, whatever the lines' rounding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from secondline.billing import corrections, rules, statements
from secondline.billing.models import PrepaidPackage
from tests.billing.conftest import msk

JANUARY = dt.date(2025, 1, 1)
Day = rules.DayOfWork


@pytest.fixture
def odd_rate(personas: Any) -> Any:
    """A rate whose quarter hour is 308.645: each line rounds it up half a cent."""
    contract = personas.contract
    contract.hourly_rate = Decimal("1234.58")
    contract.vat_rate = Decimal("20")
    contract.save()
    PrepaidPackage.objects.create(
        contract=contract,
        hours=Decimal("10"),
        purchased_on=JANUARY,
        valid_from=JANUARY,
        valid_until=dt.date(2025, 12, 31),
    )
    return contract


def test_prepaid_hours_covering_every_minute_leave_nothing_due(
    odd_rate: Any, ticket: Any, log: Any, manager: Any
) -> None:
    log(ticket, msk(2025, 1, 13, 10), msk(2025, 1, 13, 10, 15))
    log(ticket, msk(2025, 1, 14, 10), msk(2025, 1, 14, 10, 15))
    statement = statements.generate_statement(odd_rate, JANUARY, manager)
    assert [line.amount for line in statement.lines.all()] == [Decimal("308.65")] * 2
    assert statement.prepaid_minutes_used == 30
    assert statement.prepaid_amount == statement.total_amount == Decimal("617.30")
    assert statement.amount_due == Decimal("0.00")
    assert statement.vat_amount == statement.amount_due_with_vat == Decimal("0.00")


def test_out_of_hours_lines_are_covered_at_their_own_amount(
    odd_rate: Any, ticket: Any, log: Any, approved: Any, manager: Any
) -> None:
    """Sun 12 Jan 10:00-10:03, approved: 3 min at 2469.16/h = 123.46 and the 12 rounding
    minutes at 1234.58/h = 246.92, 370.38; the package gives 12 + 3 x 2 = 18 min, which at
    the hourly rate alone would be worth 370.37."""
    approved(ticket, msk(2025, 1, 12, 10), msk(2025, 1, 12, 12))
    log(ticket, msk(2025, 1, 12, 10), msk(2025, 1, 12, 10, 3))
    statement = statements.generate_statement(odd_rate, JANUARY, manager)
    assert statement.total_amount == Decimal("370.38")
    assert statement.prepaid_minutes_used == 18
    assert statement.prepaid_amount == Decimal("370.38")
    assert statement.amount_due == Decimal("0.00")


def test_a_corrected_line_is_still_covered_whole(
    odd_rate: Any, ticket: Any, log: Any, manager: Any
) -> None:
    log(ticket, msk(2025, 1, 13, 10), msk(2025, 1, 13, 11, 45))
    statement = statements.generate_statement(odd_rate, JANUARY, manager)
    line = statement.lines.get()
    corrections.correct_line(line, manager, reason="Agreed", business_hours=Decimal("1.25"))
    statement.refresh_from_db()
    assert statement.total_amount == Decimal("1543.23")  # 75 x 1234.58 / 60 = 1543.225
    assert statement.prepaid_minutes_used == 75
    assert statement.amount_due == Decimal("0.00")


@pytest.mark.parametrize(
    ("days", "covered"),
    [
        # a day drawn whole is covered at exactly its lines' amount
        ([Day(Decimal("308.65"), Decimal(15), Decimal(15))] * 2, Decimal("617.30")),
        # a day drawn in part: the share of its weighted minutes, rounded once at the end
        ([Day(Decimal("11333.34"), Decimal(170), Decimal(135))], Decimal("9000.01")),
        ([Day(Decimal("100.00"), Decimal(60), Decimal(20))] * 3, Decimal("100.00")),
        # no draw, or a day of unverified time only (nothing weighed, nothing billed)
        ([Day(Decimal("4000.00"), Decimal(60), Decimal(0))], Decimal("0.00")),
        ([Day(Decimal("0.00"), Decimal(0), Decimal(0))], Decimal("0.00")),
        # the packages never give a day more than its work
        ([Day(Decimal("4000.00"), Decimal(60), Decimal(90))], Decimal("4000.00")),
    ],
)
def test_covered_amount(days: list[rules.DayOfWork], covered: Decimal) -> None:
    assert rules.covered_amount(days) == covered
