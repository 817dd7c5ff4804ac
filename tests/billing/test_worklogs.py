"""Logging work on a ticket through the service layer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from secondline.accounts.access import AccessDenied
from secondline.billing import worklogs
from secondline.billing.models import OutOfHoursStatus
from secondline.tickets.models import TicketEvent
from tests.billing.conftest import msk
from tests.factories import UserFactory

Kind = TicketEvent.Kind


def test_it_splits_an_evening_log_and_bills_double_rate_only_when_verified(
    ticket: Any, log: Any, approved: Any
) -> None:
    work = log(ticket, msk(2024, 11, 1, 18, 30), msk(2024, 11, 1, 20))
    assert (work.business_seconds, work.out_of_hours_seconds) == (1800, 3600)
    assert work.out_of_hours_status == OutOfHoursStatus.UNVERIFIED
    assert (work.billed_business_minutes, work.billed_out_of_hours_minutes) == (30, 0)

    approved(ticket, msk(2024, 11, 1, 19), msk(2024, 11, 1, 21))
    work.refresh_from_db()
    assert work.out_of_hours_status == OutOfHoursStatus.VERIFIED
    assert work.billed_business_hours() == Decimal("0.50")
    assert work.billed_out_of_hours_hours() == Decimal("1.00")


def test_it_takes_a_duration_instead_of_an_end(ticket: Any, agent: Any) -> None:
    entry = worklogs.WorkEntry(
        activity="fix", started_at=msk(2024, 11, 1, 11), duration=dt.timedelta(minutes=45)
    )
    work = worklogs.log_work(ticket, agent, entry)
    assert work.ended_at == msk(2024, 11, 1, 11, 45)
    assert work.billed_business_minutes == 45


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"activity": "lunch"}, "activity"),
        ({"started_at": dt.datetime(2024, 11, 1, 11)}, "started_at"),
        ({"ended_at": msk(2024, 11, 1, 10)}, "ended_at"),
        ({"ended_at": None}, "ended_at"),
        ({"ended_at": msk(2024, 11, 3, 11)}, "ended_at"),
        ({"description": "x" * 501}, "description"),
    ],
)
def test_it_refuses_bad_work_logs_per_field(
    ticket: Any, agent: Any, entry: dict[str, Any], field: str
) -> None:
    values = {
        "activity": "fix",
        "started_at": msk(2024, 11, 1, 11),
        "ended_at": msk(2024, 11, 1, 12),
    }
    values.update(entry)
    with pytest.raises(ValidationError) as error:
        worklogs.log_work(ticket, agent, worklogs.WorkEntry(**values))
    assert field in error.value.message_dict


def test_customers_cannot_log_work(ticket: Any, responsible: Any) -> None:
    entry = worklogs.WorkEntry("fix", msk(2024, 11, 1, 11), msk(2024, 11, 1, 12))
    with pytest.raises(AccessDenied):
        worklogs.log_work(ticket, responsible, entry)


def test_an_agent_changes_only_their_own_logs(ticket: Any, log: Any, manager: Any) -> None:
    work = log(ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12))
    other = UserFactory(organization=manager.organization, role="agent")
    with pytest.raises(AccessDenied):
        worklogs.update_worklog(work, other, {"description": "mine now"})
    changed = worklogs.update_worklog(work, manager, {"ended_at": msk(2024, 11, 1, 20)})
    assert (changed.business_seconds, changed.out_of_hours_seconds) == (8 * 3600, 3600)
