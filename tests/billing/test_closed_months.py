"""An approved month is final: no out-of-hours request reaches back into it (F1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from secondline.billing import out_of_hours, statements
from secondline.billing.models import (
    OutOfHoursRequest,
    OutOfHoursStatus,
    PrepaidPackage,
    Statement,
    WorkLog,
)
from tests.billing.conftest import msk

JANUARY, FEBRUARY = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def close(contract: Any, period: dt.date, manager: Any, responsible: Any) -> Statement:
    statement = statements.generate_statement(contract, period, manager)
    statement = statements.issue_statement(statement, manager)
    return statements.approve_statement(statement, responsible)


def frozen(log: WorkLog) -> tuple[Any, ...]:
    log = WorkLog.objects.get(pk=log.pk)
    return (
        log.verified_out_of_hours_seconds,
        log.out_of_hours_status,
        log.billed_business_minutes,
        log.billed_out_of_hours_minutes,
    )


@pytest.fixture
def sunday_in_january(personas: Any, ticket: Any, log: Any) -> WorkLog:
    """Two hours on Sunday 12 January 2025 with no request, and 10 prepaid hours."""
    PrepaidPackage.objects.create(
        contract=personas.contract,
        hours=Decimal("10"),
        purchased_on=JANUARY,
        valid_from=JANUARY,
        valid_until=dt.date(2025, 12, 31),
    )
    return log(ticket, msk(2025, 1, 12, 14), msk(2025, 1, 12, 16))


def test_it_refuses_a_request_for_work_in_an_approved_month(
    personas: Any,
    ticket: Any,
    sunday_in_january: WorkLog,
    agent: Any,
    manager: Any,
    responsible: Any,
) -> None:
    january = close(personas.contract, JANUARY, manager, responsible)
    assert january.unverified_minutes == 120
    before = frozen(sunday_in_january)
    with pytest.raises(ValidationError) as refused:
        out_of_hours.raise_out_of_hours_request(
            ticket, agent, reason="Late paperwork", worklogs=[sunday_in_january]
        )
    assert set(refused.value.message_dict) == {"window_start"}
    assert "2025-01 is approved and final" in refused.value.message_dict["window_start"][0]
    assert not OutOfHoursRequest.objects.exists()
    assert frozen(sunday_in_january) == before


def test_the_refusal_reads_in_russian(
    personas: Any, ticket: Any, sunday_in_january: WorkLog, responsible: Any, manager: Any
) -> None:
    close(personas.contract, JANUARY, manager, responsible)
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        out_of_hours.raise_out_of_hours_request(
            ticket, responsible, reason="Поздно", worklogs=[sunday_in_january]
        )
    assert "Акт за 2025-01 утверждён" in refused.value.message_dict["window_start"][0]


@pytest.mark.parametrize("first", ["manager", "responsible"])
def test_a_pending_request_is_not_decided_once_its_month_is_approved(
    personas: Any,
    ticket: Any,
    log: Any,
    sunday_in_january: WorkLog,
    agent: Any,
    manager: Any,
    responsible: Any,
    first: str,
) -> None:
    request = out_of_hours.raise_out_of_hours_request(
        ticket, agent, reason="Weekend hotfix", worklogs=[sunday_in_january]
    )
    out_of_hours.approve_out_of_hours_request(request, getattr(personas, first))
    log(ticket, msk(2025, 2, 3, 10), msk(2025, 2, 3, 11))
    close(personas.contract, JANUARY, manager, responsible)
    before = frozen(sunday_in_january)
    second = responsible if first == "manager" else manager
    for decide in (
        lambda: out_of_hours.approve_out_of_hours_request(request, second),
        lambda: out_of_hours.reject_out_of_hours_request(request, second, "Too late"),
    ):
        with pytest.raises(ValidationError) as refused:
            decide()
        assert "2025-01 is approved and final" in refused.value.message_dict["status"][0]
    request.refresh_from_db()
    assert request.status == OutOfHoursRequest.Status.PENDING
    assert frozen(sunday_in_january) == before
    february = statements.generate_statement(personas.contract, FEBRUARY, manager)
    # February draws its own hour only: the January Sunday drew nothing after the fact
    assert february.prepaid_minutes_used == 60
    assert february.prepaid_minutes_left == 540


def test_approving_an_open_month_leaves_the_approved_months_logs_alone(
    personas: Any, ticket: Any, log: Any, approved: Any, manager: Any, responsible: Any
) -> None:
    """A log belongs to the month it starts in: a February window that overlaps a log begun
    on 31 January recomputes February's logs only (``worklogs.reapply_rules``)."""
    straddling = log(ticket, msk(2025, 1, 31, 22), msk(2025, 2, 1, 2))
    close(personas.contract, JANUARY, manager, responsible)
    before = frozen(straddling)
    assert before[1] == OutOfHoursStatus.UNVERIFIED
    saturday = log(ticket, msk(2025, 2, 1, 10), msk(2025, 2, 1, 11))
    approved(ticket, msk(2025, 2, 1), msk(2025, 2, 1, 12), estimated_hours="3")
    assert frozen(straddling) == before
    assert frozen(saturday) == (3600, OutOfHoursStatus.VERIFIED, 0, 60)
