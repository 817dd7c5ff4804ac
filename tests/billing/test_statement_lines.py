"""A statement line adds up the work on one ticket, on one day, in one activity: the database
sums the minutes each work log stored when written, and the line is priced once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from secondline.billing import statements
from tests.billing.conftest import msk

NOVEMBER = dt.date(2024, 11, 1)


def test_a_line_adds_up_a_tickets_work_of_one_day_and_activity(
    personas: Any, ticket: Any, log: Any, manager: Any, agent: Any
) -> None:
    same = [
        log(ticket, msk(2024, 11, 5, 10), msk(2024, 11, 5, 10, 20), description="Backup check"),
        log(ticket, msk(2024, 11, 5, 11), msk(2024, 11, 5, 11, 10), description="Backup check"),
    ]
    log(ticket, msk(2024, 11, 5, 14), msk(2024, 11, 5, 14, 30), activity="fix")
    # 00:30 in Moscow is still the 5th in UTC: the day is the contract's
    night = log(ticket, msk(2024, 11, 6, 0, 30), msk(2024, 11, 6, 0, 40), description="Night")
    log(ticket, msk(2024, 11, 6, 10), msk(2024, 11, 6, 11), description="Upgrade")

    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)

    lines = list(statement.lines.order_by("started_at", "pk"))
    assert [
        (line.work_date.day, line.activity, line.worklog_count, line.business_minutes)
        for line in lines
    ] == [(5, "analysis", 2, 30 + 15), (5, "fix", 1, 30), (6, "analysis", 2, 60)]
    first, fix, sixth = lines
    assert first.amount == Decimal("3000.00")  # 45 min at 4000 RUB/h, priced once
    assert (first.description, first.agent_name) == ("Backup check", agent.get_full_name())
    assert first.worklog_id is None and fix.worklog_id is not None
    assert list(statements.line_worklogs(first)) == same
    assert sixth.description == ""  # the logs say different things: see line_worklogs
    assert sixth.unverified_minutes == 10 and night in statements.line_worklogs(sixth)
    assert (first.started_at, first.ended_at) == (same[0].started_at, same[1].ended_at)
    assert statement.total_amount == Decimal("3000.00") + fix.amount + sixth.amount
    assert statement.business_minutes == 45 + 30 + 60


def test_a_line_of_several_logs_is_disputed_and_corrected_as_one(
    personas: Any, ticket: Any, log: Any, manager: Any, responsible: Any
) -> None:
    from secondline.billing import corrections

    log(ticket, msk(2024, 11, 5, 10), msk(2024, 11, 5, 11))
    log(ticket, msk(2024, 11, 5, 12), msk(2024, 11, 5, 14))
    statement = statements.issue_statement(
        statements.generate_statement(personas.contract, NOVEMBER, manager), manager
    )
    line = statement.lines.get()
    assert (line.worklog_count, line.amount) == (2, Decimal("12000.00"))
    statements.dispute_line(line, responsible, "2 h, not 3")
    corrections.correct_line(line, manager, reason="Agreed", business_hours=Decimal(2))
    statement.refresh_from_db()
    assert statement.total_amount == Decimal("8000.00")
    assert len(statements.line_worklogs(line)) == 2  # the logs themselves do not change
