"""An adjustment is never carried into a statement of another currency (F8): it is named there,
at 0.00, once, and settled by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from secondline.billing import corrections, statements
from secondline.billing.models import Statement, StatementCorrection, StatementLine
from tests.billing.conftest import msk

JANUARY, FEBRUARY, MARCH = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
ADJUSTMENT = StatementLine.Kind.ADJUSTMENT


@pytest.fixture
def rouble_credit(
    personas: Any, ticket: Any, log: Any, manager: Any, responsible: Any
) -> StatementCorrection:
    """January approved in roubles, then a 3000 RUB goodwill credit: an adjustment."""
    log(ticket, msk(2025, 1, 13, 10), msk(2025, 1, 13, 12))
    january = statements.generate_statement(personas.contract, JANUARY, manager)
    january = statements.approve_statement(
        statements.issue_statement(january, manager), responsible
    )
    return corrections.add_credit(
        january, manager, amount=Decimal(3000), description="Goodwill", reason="Outage"
    )


def adjustments(statement: Statement) -> list[tuple[Decimal, str]]:
    return list(statement.lines.filter(kind=ADJUSTMENT).values_list("amount", "description"))


def test_an_adjustment_in_the_same_currency_is_carried(
    personas: Any, ticket: Any, log: Any, manager: Any, rouble_credit: StatementCorrection
) -> None:
    log(ticket, msk(2025, 2, 3, 10), msk(2025, 2, 3, 12))
    february = statements.generate_statement(personas.contract, FEBRUARY, manager)
    assert adjustments(february) == [
        (Decimal("-3000.00"), "Adjustment of 2025-01: Goodwill (Outage)")
    ]
    assert february.total_amount == Decimal("5000.00")


def test_an_adjustment_is_not_carried_into_another_currency(
    personas: Any, ticket: Any, log: Any, manager: Any, rouble_credit: StatementCorrection
) -> None:
    contract = personas.contract
    contract.currency, contract.hourly_rate = "EUR", Decimal("50.00")
    contract.save()
    log(ticket, msk(2025, 2, 3, 10), msk(2025, 2, 3, 11))
    february = statements.generate_statement(contract, FEBRUARY, manager)
    named = [
        (
            Decimal("0.00"),
            "Adjustment of 2025-01: Goodwill (Outage): -3000.00 RUB, not carried into another "
            "currency; settled separately.",
        )
    ]
    assert adjustments(february) == named
    assert (february.currency, february.total_amount) == ("EUR", Decimal("50.00"))
    assert february.amount_due == Decimal("50.00")
    rouble_credit.refresh_from_db()
    assert rouble_credit.carried_to == february  # named once: March does not repeat it
    again = statements.generate_statement(contract, FEBRUARY, manager)
    assert adjustments(again) == named
    log(ticket, msk(2025, 3, 3, 10), msk(2025, 3, 3, 11))
    march = statements.generate_statement(contract, MARCH, manager)
    assert adjustments(march) == []
    # the manager settles it by hand, in the statement's own currency
    corrections.add_credit(
        february, manager, amount=Decimal("30.00"), description="Goodwill (RUB 3000)", reason="x"
    )
    february.refresh_from_db()
    assert february.total_amount == Decimal("20.00")
