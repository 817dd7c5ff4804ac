from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from secondline.billing import out_of_hours, worklogs
from tests.factories import consultation_draft, file_ticket, filed_long_ago

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


@pytest.fixture
def ticket(personas: Any) -> Any:
    return filed_long_ago(file_ticket(personas.member, consultation_draft()))


@pytest.fixture
def log(agent: Any) -> Any:
    """``log(ticket, start, end, **entry)`` logs work as the agent."""

    def log_work(ticket: Any, start: dt.datetime, end: dt.datetime, **entry: Any) -> Any:
        entry.setdefault("activity", "analysis")
        who = entry.pop("agent", agent)
        return worklogs.log_work(
            ticket, who, worklogs.WorkEntry(started_at=start, ended_at=end, **entry)
        )

    return log_work


@pytest.fixture
def approved(manager: Any, responsible: Any) -> Any:
    """``approved(ticket, start, end)``: a request approved by both parties."""

    def approve(ticket: Any, start: dt.datetime, end: dt.datetime, **kwargs: Any) -> Any:
        kwargs.setdefault("reason", "Urgent weekend work")
        kwargs.setdefault("estimated_hours", "1")
        request = out_of_hours.raise_out_of_hours_request(
            ticket, responsible, window_start=start, window_end=end, **kwargs
        )
        out_of_hours.approve_out_of_hours_request(request, responsible)
        return out_of_hours.approve_out_of_hours_request(request, manager)

    return approve
