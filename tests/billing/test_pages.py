"""The billing pages: quick time entry on a ticket, approvals and statements for customers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from secondline.billing import out_of_hours
from secondline.billing.forms import parse_duration
from secondline.billing.models import OutOfHoursRequest, Statement, WorkLog
from tests.billing.conftest import msk


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45", 45),
        ("45m", 45),
        ("1:30", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1.5h", 90),
        ("2ч", 120),
    ],
)
def test_it_reads_durations_the_way_agents_type_them(text: str, minutes: int) -> None:
    assert parse_duration(text) == dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1:75", "h", "²:30", "99999999999:00", "99999999999h", "9" * 40],
)
def test_it_refuses_durations_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_an_agent_logs_time_in_a_few_keystrokes(ticket: Any, agent: Any) -> None:
    client = client_for(agent)
    url = f"/billing/tickets/{ticket.pk}/worklogs/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="duration"' in page.content
    answer = client.post(
        url, {"duration": "1:30", "activity": "fix", "billable": "on"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    log = WorkLog.objects.get(ticket=ticket)
    assert log.duration == dt.timedelta(minutes=90)
    assert f'id="worklogs-{ticket.pk}"'.encode() in answer.content
    assert b"<html" not in answer.content  # the fragment only


def test_a_bad_entry_shows_the_form_again_with_the_error(ticket: Any, agent: Any) -> None:
    answer = client_for(agent).post(
        f"/billing/tickets/{ticket.pk}/worklogs/", {"duration": "lots", "activity": "fix"}
    )
    assert answer.status_code == 400
    assert b"45m, 1:30 or 1.5h" in answer.content
    assert not WorkLog.objects.exists()


def test_customers_see_hours_but_cannot_log_and_never_see_notes(
    ticket: Any, log: Any, member: Any, outsider: Any
) -> None:
    log(ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12), internal_note="secret remark")
    page = client_for(member).get(f"/billing/tickets/{ticket.pk}/worklogs/")
    assert page.status_code == 200
    assert b"1:00" in page.content
    assert b"secret remark" not in page.content
    assert b'name="duration"' not in page.content
    post = client_for(member).post(
        f"/billing/tickets/{ticket.pk}/worklogs/", {"duration": "1h", "activity": "fix"}
    )
    assert post.status_code == 403
    assert client_for(outsider).get(f"/billing/tickets/{ticket.pk}/worklogs/").status_code == 404


def test_the_responsible_person_approves_a_request_on_its_page(
    ticket: Any, agent: Any, responsible: Any, member: Any
) -> None:
    request = out_of_hours.raise_out_of_hours_request(
        ticket,
        agent,
        window_start=msk(2024, 11, 3, 10),
        window_end=msk(2024, 11, 3, 12),
        reason="Weekend migration",
        estimated_hours="2",
    )
    url = f"/billing/requests/{request.pk}/"
    assert b'value="approve"' not in client_for(member).get(url).content
    index = client_for(responsible).get("/billing/")
    assert url.encode() in index.content
    answer = client_for(responsible).post(url, {"decision": "approve", "comment": ""})
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.customer_decision == OutOfHoursRequest.Decision.APPROVED
    assert request.customer_decided_by == responsible


def test_a_customer_raises_a_request_from_the_ticket(ticket: Any, member: Any) -> None:
    answer = client_for(member).post(
        f"/billing/tickets/{ticket.pk}/requests/",
        {
            "window_start": "2024-11-09T10:00",
            "window_end": "2024-11-09T14:00",
            "estimated_hours": "3",
            "reason": "Saturday stock-take",
        },
    )
    assert answer.status_code == 302
    request = OutOfHoursRequest.objects.get()
    assert request.window_start == msk(2024, 11, 9, 10)
    assert request.raised_by_side == OutOfHoursRequest.Side.CUSTOMER


def test_statement_pages_for_manager_and_customer(
    personas: Any, ticket: Any, log: Any, manager: Any, responsible: Any, outsider: Any
) -> None:
    log(ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12))
    made = client_for(manager).post(
        "/billing/statements/", {"contract": personas.contract.pk, "month": "2024-11"}
    )
    assert made.status_code == 302
    url = made["Location"]
    assert client_for(responsible).get(url).status_code == 404  # still a draft
    client_for(manager).post(url, {"action": "issue"})
    page = client_for(responsible).get(url)
    assert b"4000.00" in page.content and b'value="approve"' in page.content
    assert client_for(outsider).get(url).status_code == 404
    client_for(responsible).post(url, {"action": "approve"})
    assert b"Approved by the customer" in client_for(responsible).get(url).content
    pdf = client_for(responsible).get(url + "pdf/?lang=ru")
    assert pdf["Content-Type"] == "application/pdf"
    assert client_for(responsible).post("/billing/statements/", {}).status_code == 403


@pytest.mark.parametrize(
    "entry",
    [
        {"duration": "1h", "ended_at": "0001-01-01T00:10"},
        {"duration": "1h", "started_at": "0001-01-01T00:10"},
        {"duration": "1h", "started_at": "9999-12-31T23:30"},
        {"started_at": "0001-01-01T10:00", "ended_at": "0001-01-01T11:00"},
        {"started_at": "9999-12-31T22:00", "ended_at": "9999-12-31T23:00"},
    ],
)
def test_a_time_out_of_any_real_year_is_a_form_error(
    ticket: Any, agent: Any, entry: dict[str, str]
) -> None:
    answer = client_for(agent).post(
        f"/billing/tickets/{ticket.pk}/worklogs/", {"activity": "fix", **entry}
    )
    assert answer.status_code == 400
    assert b"from 1 January 2000 on" in answer.content or b"in advance" in answer.content
    assert not WorkLog.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize(
    ("entry", "refusal"),
    [
        ({"duration": "99999999h"}, b"at most 24 hours"),
        ({"duration": "25h", "ended_at": "2026-12-01T12:00"}, b"at most 24 hours"),
        (
            {"duration": "5h", "started_at": "2026-12-01T10:00", "ended_at": "2026-12-01T10:10"},
            b"not both",
        ),
    ],
)
def test_a_duration_too_long_or_besides_start_and_end_is_a_form_error(
    ticket: Any, agent: Any, entry: dict[str, str], refusal: bytes
) -> None:
    """Not an overflow (99999999h), and not a duration silently dropped for start and end."""
    answer = client_for(agent).post(
        f"/billing/tickets/{ticket.pk}/worklogs/", {"activity": "fix", **entry}
    )
    assert answer.status_code == 400
    assert refusal in answer.content
    assert not WorkLog.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize(
    ("month", "refusal"),
    [
        ("0001-01", b"between the years 2000 and 2099"),
        ("9999-12", b"between the years 2000 and 2099"),
        ("2030-01", b"once it has begun"),
        ("2026-13", b"YYYY-MM"),
    ],
)
def test_a_month_that_cannot_be_billed_is_refused_on_its_field(
    personas: Any, manager: Any, month: str, refusal: bytes
) -> None:
    """The page again with the message by the month and what was chosen kept (not a flash
    over an emptied form), and no statement made."""
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)):
        answer = client_for(manager).post(
            "/billing/statements/", {"contract": personas.contract.pk, "month": month}
        )
    assert answer.status_code == 400
    form = answer.context["generate_form"]
    assert refusal.decode() in " ".join(form.errors["month"])
    assert form["month"].value() == month and form["contract"].value() == str(personas.contract.pk)
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "refusal"),
    [
        ("0001-01-01T10:00", "0001-01-01T14:00", "between the years 2000 and 2099"),
        ("9999-12-31T10:00", "9999-12-31T14:00", "between the years 2000 and 2099"),
        ("2001-01-06T10:00", "2001-01-06T14:00", "the window cannot start before it"),
    ],
)
def test_a_window_that_no_work_on_the_ticket_lies_in_is_refused_on_its_field(
    ticket: Any, member: Any, start: str, end: str, refusal: str
) -> None:
    """Not a 500 from the calendar (years 1 and 9999), not a request for work before the
    ticket was filed."""
    window = {"window_start": start, "window_end": end, "estimated_hours": "3", "reason": "Why"}
    answer = client_for(member).post(f"/billing/tickets/{ticket.pk}/requests/", window)
    assert answer.status_code == 400
    assert refusal in " ".join(answer.context["request_form"].errors["window_start"])
    assert not OutOfHoursRequest.objects.exists()


def test_the_same_window_is_not_asked_for_twice_while_pending(ticket: Any, member: Any) -> None:
    window = {
        "window_start": "2024-11-09T10:00",
        "window_end": "2024-11-09T14:00",
        "estimated_hours": "3",
        "reason": "Saturday stock-take",
    }
    url = f"/billing/tickets/{ticket.pk}/requests/"
    assert client_for(member).post(url, window).status_code == 302
    again = client_for(member).post(url, window)
    assert again.status_code == 400
    assert "already asks for this window" in str(again.context["request_form"].errors)
    assert OutOfHoursRequest.objects.count() == 1


def _described_by_without_target(page: str) -> list[str]:
    """The ids that an ``aria-describedby`` names but no element on the page carries."""
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    named = re.findall(r'aria-describedby="([^"]+)"', page)
    return [one for names in named for one in names.split() if one not in ids]


def test_every_worklog_field_error_is_shown_where_aria_describedby_points(
    ticket: Any, agent: Any
) -> None:
    """A crafted activity was a 400 with no word: its error element was never rendered."""
    url = f"/billing/tickets/{ticket.pk}/worklogs/"
    answer = client_for(agent).post(url, {"duration": "1h", "activity": "nonsense"})
    page = answer.content.decode()
    assert answer.status_code == 400 and not WorkLog.objects.exists()
    assert 'aria-describedby="id_activity_error"' in page
    error = re.search(r'<ul class="errorlist" id="id_activity_error"><li>([^<]+)</li>', page)
    assert error and "nonsense is not one of the available choices" in error[1]
    assert _described_by_without_target(page) == []
    answer = client_for(agent).post(
        url, {"duration": "lots", "activity": "nonsense", "started_at": "soon"}
    )
    assert answer.status_code == 400
    assert _described_by_without_target(answer.content.decode()) == []
    assert _described_by_without_target(client_for(agent).get(url).content.decode()) == []
