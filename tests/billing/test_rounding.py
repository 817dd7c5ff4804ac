"""The rounding rule of docs/billing.md as the statement applies it (the rule itself is
table-driven and property-tested in test_rules.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from secondline.billing import statements
from tests.billing.conftest import msk


def test_a_3_minute_sunday_log_bills_3_minutes_at_double_rate_and_12_at_the_normal(
    personas: Any, ticket: Any, log: Any, approved: Any, manager: Any
) -> None:
    """VL-1: 4000.00 RUB/h, x2 out of hours, 15-minute increment (the default terms)."""
    approved(ticket, msk(2024, 11, 3, 10), msk(2024, 11, 3, 12))
    work = log(ticket, msk(2024, 11, 3, 10), msk(2024, 11, 3, 10, 3))
    assert (work.billed_business_minutes, work.billed_out_of_hours_minutes) == (12, 3)
    statement = statements.generate_statement(personas.contract, msk(2024, 11, 1).date(), manager)
    line = statement.lines.get()
    assert line.out_of_hours_amount == Decimal("400.00")  # 3 min x 8000/60
    assert line.business_amount == Decimal("800.00")  # 12 min x 4000/60
    assert line.amount == Decimal("1200.00")  # not 0.25 h x 8000 = 2000.00
