"""Only valid time is billed: a work log lies within its ticket's life, an out-of-hours
request's window holds out-of-hours time and its estimate fits in it (issue 14, Build 1).

Each refusal is tried through the service, the API (a 400 naming the field) and the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from secondline.billing import out_of_hours, worklogs
from secondline.billing.models import OutOfHoursRequest, WorkLog
from tests.billing.conftest import msk
from tests.factories import filed_long_ago


@pytest.fixture
def filed_6_dec(ticket: Any) -> Any:
    """The issue's example: a ticket filed on 6 December at noon, Moscow time."""
    return filed_long_ago(ticket, msk(2024, 12, 6, 12, 0, 30))


def _entry(start: dt.datetime, end: dt.datetime) -> worklogs.WorkEntry:
    return worklogs.WorkEntry("fix", start, end)


@pytest.mark.parametrize(
    ("start", "end", "field", "why"),
    [
        (msk(2024, 12, 2, 10), msk(2024, 12, 2, 11), "started_at", "four days before filing"),
        (msk(2024, 12, 6, 11), msk(2024, 12, 6, 13), "started_at", "an hour before filing"),
        (msk(2024, 12, 6, 11, 59), msk(2024, 12, 6, 12, 30), "started_at", "the minute before"),
    ],
)
def test_work_before_the_ticket_was_filed_is_refused(
    filed_6_dec: Any, agent: Any, start: dt.datetime, end: dt.datetime, field: str, why: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        worklogs.log_work(filed_6_dec, agent, _entry(start, end))
    assert "2024-12-06 12:00" in refused.value.message_dict[field][0], why
    assert not WorkLog.objects.exists()


def test_work_from_the_minute_of_filing_is_logged(filed_6_dec: Any, agent: Any) -> None:
    log = worklogs.log_work(filed_6_dec, agent, _entry(msk(2024, 12, 6, 12), msk(2024, 12, 6, 13)))
    assert log.billed_business_minutes == 60


def test_work_that_ends_in_the_future_is_refused(ticket: Any, agent: Any) -> None:
    start = timezone.now() - dt.timedelta(minutes=30)
    entry = worklogs.WorkEntry("fix", start, duration=dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as refused:
        worklogs.log_work(ticket, agent, entry)
    assert list(refused.value.message_dict) == ["ended_at"]


def test_a_log_cannot_be_moved_before_the_filing(filed_6_dec: Any, agent: Any) -> None:
    log = worklogs.log_work(filed_6_dec, agent, _entry(msk(2024, 12, 9, 10), msk(2024, 12, 9, 11)))
    with pytest.raises(ValidationError) as refused:
        moved = {"started_at": msk(2024, 12, 2, 10), "ended_at": msk(2024, 12, 2, 11)}
        worklogs.update_worklog(log, agent, moved)
    assert "started_at" in refused.value.message_dict
    log.refresh_from_db()
    assert log.started_at == msk(2024, 12, 9, 10)


def test_the_api_names_the_field_of_work_outside_the_tickets_life(
    api_as: Any, filed_6_dec: Any, agent: Any
) -> None:
    client = api_as(agent)
    body = {"ticket": filed_6_dec.pk, "activity": "fix"}
    before = client.post(
        "/api/worklogs/",
        {
            **body,
            "started_at": "2024-12-02T10:00:00+03:00",
            "ended_at": "2024-12-02T11:00:00+03:00",
        },
        format="json",
    )
    assert before.status_code == 400
    assert "filed" in before.json()["started_at"][0]
    soon = timezone.now() - dt.timedelta(minutes=10)
    future = client.post(
        "/api/worklogs/",
        {**body, "started_at": soon.isoformat(), "duration_minutes": 120},
        format="json",
    )
    assert future.status_code == 400
    assert "future" in future.json()["ended_at"][0]
    made = client.post(
        "/api/worklogs/",
        {
            **body,
            "started_at": "2024-12-09T10:00:00+03:00",
            "ended_at": "2024-12-09T11:00:00+03:00",
        },
        format="json",
    )
    assert made.status_code == 201
    moved = client.patch(
        f"/api/worklogs/{made.json()['id']}/",
        {"started_at": "2024-12-05T10:00:00+03:00", "ended_at": "2024-12-05T11:00:00+03:00"},
        format="json",
    )
    assert moved.status_code == 400
    assert "started_at" in moved.json()


def test_the_form_says_why_work_before_filing_is_refused(
    client: Any, filed_6_dec: Any, agent: Any
) -> None:
    client.force_login(agent)
    page = client.post(
        f"/billing/tickets/{filed_6_dec.pk}/worklogs/",
        {
            "activity": "fix",
            "started_at": "2024-12-02T10:00",
            "ended_at": "2024-12-02T11:00",
            "billable": "on",
        },
    )
    assert page.status_code == 400
    assert "work cannot be logged before it" in page.content.decode()
    assert not WorkLog.objects.exists()


# -- out-of-hours requests ----------------------------------------------------------------------


def _raise(ticket: Any, who: Any, start: dt.datetime, end: dt.datetime, hours: str) -> Any:
    return out_of_hours.raise_out_of_hours_request(
        ticket, who, window_start=start, window_end=end, reason="Urgent", estimated_hours=hours
    )


@pytest.mark.parametrize(
    ("start", "end", "hours", "field", "why"),
    [
        (msk(2024, 11, 1, 10), msk(2024, 11, 1, 12), "2", "window_start", "a Friday morning"),
        (msk(2024, 11, 2, 10), msk(2024, 11, 2, 14), "2", "window_start", "a working Saturday"),
        (msk(2024, 11, 3, 10), msk(2024, 11, 3, 12), "50", "estimated_hours", "50 h in 2 h"),
        (msk(2024, 11, 1, 17), msk(2024, 11, 1, 20), "3", "estimated_hours", "1 h after 19:00"),
    ],
)
def test_a_request_outside_out_of_hours_time_is_refused(
    ticket: Any,
    responsible: Any,
    start: dt.datetime,
    end: dt.datetime,
    hours: str,
    field: str,
    why: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        _raise(ticket, responsible, start, end, hours)
    assert list(refused.value.message_dict) == [field], why
    assert not OutOfHoursRequest.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "hours", "why"),
    [
        (msk(2024, 11, 1, 17), msk(2024, 11, 1, 21), "2", "the evening part of a longer window"),
        (msk(2024, 11, 3, 10), msk(2024, 11, 3, 12), "2", "a whole Sunday window"),
        (msk(2024, 11, 4, 10), msk(2024, 11, 4, 11), "1", "4 November, a public holiday"),
    ],
)
def test_a_request_for_out_of_hours_time_is_accepted(
    ticket: Any, responsible: Any, start: dt.datetime, end: dt.datetime, hours: str, why: str
) -> None:
    assert _raise(ticket, responsible, start, end, hours).status == "pending", why


def test_a_request_for_logs_estimates_at_most_what_its_window_holds(
    ticket: Any, log: Any, agent: Any, manager: Any
) -> None:
    both = [
        log(ticket, msk(2024, 11, 3, 10), msk(2024, 11, 3, 12)),
        log(ticket, msk(2024, 11, 3, 10), msk(2024, 11, 3, 12), agent=manager),
    ]
    request = out_of_hours.raise_out_of_hours_request(
        ticket, agent, reason="Two of us on the outage", worklogs=both
    )
    assert str(request.estimated_hours) == "2.00"


def test_the_api_names_the_field_of_a_bad_request(
    api_as: Any, ticket: Any, responsible: Any
) -> None:
    client = api_as(responsible)
    body = {"ticket": ticket.pk, "reason": "Evening", "worklogs": []}
    inside = client.post(
        "/api/out-of-hours-requests/",
        {
            **body,
            "window_start": "2024-11-01T10:00:00+03:00",
            "window_end": "2024-11-01T12:00:00+03:00",
            "estimated_hours": "1",
        },
        format="json",
    )
    assert inside.status_code == 400
    assert "business hours" in inside.json()["window_start"][0]
    too_long = client.post(
        "/api/out-of-hours-requests/",
        {
            **body,
            "window_start": "2024-11-03T10:00:00+03:00",
            "window_end": "2024-11-03T12:00:00+03:00",
            "estimated_hours": "50",
        },
        format="json",
    )
    assert too_long.status_code == 400
    assert "2.00 h" in too_long.json()["estimated_hours"][0]


def test_the_form_says_why_a_request_is_refused(client: Any, ticket: Any, responsible: Any) -> None:
    client.force_login(responsible)
    page = client.post(
        f"/billing/tickets/{ticket.pk}/requests/",
        {
            "window_start": "2024-11-03T10:00",
            "window_end": "2024-11-03T12:00",
            "estimated_hours": "50",
            "reason": "Weekend",
        },
    )
    assert page.status_code == 400
    assert "the estimate must fit in it" in page.content.decode()
