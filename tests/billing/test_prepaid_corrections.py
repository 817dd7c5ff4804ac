"""Prepaid hours after a correction (docs/billing.md, "Prepaid hours after a correction"):
hours corrected before approval change what the month drew, so a reduction gives them back
to the package in the same month; after approval the prepaid hours stay as approved and the
adjustment is money on the next month's statement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from secondline.billing import corrections, prepaid, statements
from secondline.billing.models import PrepaidPackage, Statement
from tests.billing.closing import NOVEMBER, close_month_setup


def _package(personas: Any, hours: str = "4") -> None:
    PrepaidPackage.objects.create(
        contract=personas.contract,
        hours=Decimal(hours),
        purchased_on=dt.date(2024, 10, 20),
        valid_from=dt.date(2024, 11, 1),
        valid_until=dt.date(2025, 1, 31),
    )


def _issued(personas: Any, manager: Any) -> Statement:
    close_month_setup(personas)  # 2 h, 1 h and 3 h of business time, 4000 RUB/h
    _package(personas, "8")
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert statement.prepaid_minutes_used == Decimal(360)
    return statements.issue_statement(statement, manager)


def test_a_correction_that_reduces_hours_gives_prepaid_hours_back_in_the_same_month(
    personas: Any, manager: Any, responsible: Any
) -> None:
    statement = _issued(personas, manager)
    line = statement.lines.order_by("started_at")[2]  # 3 h on 7 November
    statements.dispute_line(line, responsible, "2 h, not 3")
    corrections.correct_line(line, manager, business_hours=Decimal(2), reason="Agreed")

    statement.refresh_from_db()
    assert statement.prepaid_minutes_used == Decimal(300)  # 5 h, not 6
    assert statement.prepaid_hours_left == Decimal("3.00")
    assert statement.prepaid_amount == Decimal("20000.00") == statement.total_amount
    assert statement.amount_due == Decimal("0.00")
    summary = prepaid.prepaid_summary(personas.contract, dt.date(2024, 12, 1))
    assert (summary.used_hours, summary.left_hours) == (Decimal("5.00"), Decimal("3.00"))


def test_after_approval_a_correction_leaves_the_prepaid_hours_alone(
    personas: Any, manager: Any, responsible: Any
) -> None:
    statement = statements.approve_statement(_issued(personas, manager), responsible)
    line = statement.lines.order_by("started_at")[2]
    adjustment = corrections.correct_line(
        line, manager, business_hours=Decimal(2), reason="Found later"
    )
    assert adjustment.kind == "adjustment"
    summary = prepaid.prepaid_summary(personas.contract, dt.date(2024, 12, 1))
    assert summary.used_hours == Decimal("6.00")  # the approved month's draw is final
    statement.refresh_from_db()
    assert statement.prepaid_minutes_used == Decimal(360)


def test_a_credit_or_an_amount_correction_draws_no_prepaid_hours(
    personas: Any, manager: Any, responsible: Any
) -> None:
    statement = _issued(personas, manager)
    line = statement.lines.order_by("started_at")[0]
    statements.dispute_line(line, responsible, "Too much")
    corrections.correct_line(line, manager, amount=Decimal("5000"), reason="Discount")
    corrections.add_credit(statement, manager, amount=Decimal(1000), description="x", reason="y")
    statement.refresh_from_db()
    assert statement.prepaid_minutes_used == Decimal(360)
