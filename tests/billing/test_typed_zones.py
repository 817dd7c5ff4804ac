"""Times typed on the billing pages are read in the zone the page names: the contract
calendar's. Django read them in the server's zone (Europe/Moscow), so work typed as 18:00 in
Vladivostok was stored as 18:00 Moscow (01:00 next day there), all of it out of hours."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from secondline.billing.forms import OutOfHoursRequestForm, WorkLogForm
from secondline.billing.models import OutOfHoursRequest, WorkLog
from tests.factories import default_calendar

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
BERLIN = ZoneInfo("Europe/Berlin")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def move_contract(personas: Any, zone: str) -> None:
    """The contract's calendar: Moscow's hours (10:00-19:00), kept in ``zone``."""
    calendar = default_calendar()
    calendar.pk = None
    calendar.name = f"10:00-19:00 in {zone}"
    calendar.time_zone = zone
    calendar.save()
    personas.contract.calendar = calendar
    personas.contract.save()


def test_work_typed_in_the_contracts_zone_is_split_there(personas: Any, ticket: Any) -> None:
    move_contract(personas, "Asia/Vladivostok")
    url = f"/billing/tickets/{ticket.pk}/worklogs/"
    client = client_for(personas.agent)
    assert "(Asia/Vladivostok)" in client.get(url).content.decode()
    answer = client.post(
        url,
        {
            "activity": "fix",
            "started_at": "2024-11-06T18:00",  # a Wednesday: one hour before 19:00, one after
            "ended_at": "2024-11-06T20:00",
            "billable": "on",
        },
    )
    assert answer.status_code == 302
    log = WorkLog.objects.get(ticket=ticket)
    assert log.started_at == dt.datetime(2024, 11, 6, 18, tzinfo=VLADIVOSTOK)
    assert log.ended_at == dt.datetime(2024, 11, 6, 20, tzinfo=VLADIVOSTOK)
    assert (log.business_seconds, log.out_of_hours_seconds) == (3600, 3600)


def test_the_forms_read_in_their_zone_whatever_zone_is_active() -> None:
    typed = {"activity": "fix", "started_at": "2024-11-06T11:00", "ended_at": "2024-11-06T12:00"}
    window = {
        "window_start": "2030-03-02T20:00",
        "window_end": "2030-03-02T22:00",
        "estimated_hours": "2",
        "reason": "Night work",
    }
    with timezone.override(BERLIN):
        worklog = WorkLogForm(typed, zone=VLADIVOSTOK)
        request = OutOfHoursRequestForm(window, zone=VLADIVOSTOK)
        assert worklog.is_valid(), worklog.errors
        assert request.is_valid(), request.errors
    assert worklog.cleaned_data["started_at"] == dt.datetime(2024, 11, 6, 11, tzinfo=VLADIVOSTOK)
    assert request.cleaned_data["window_start"] == dt.datetime(2030, 3, 2, 20, tzinfo=VLADIVOSTOK)


@pytest.mark.parametrize(
    "typed",
    [
        "2024-03-31T02:30",  # Berlin's clocks go from 02:00 to 03:00: no such time
        "2024-10-27T02:30",  # and from 03:00 back to 02:00: this time happens twice
    ],
)
def test_a_time_the_contracts_zone_skips_or_repeats_is_a_form_error(
    personas: Any, ticket: Any, typed: str
) -> None:
    move_contract(personas, "Europe/Berlin")
    answer = client_for(personas.agent).post(
        f"/billing/tickets/{ticket.pk}/worklogs/",
        {"activity": "fix", "started_at": typed, "duration": "1h", "billable": "on"},
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors["started_at"]
    assert "Europe/Berlin" in " ".join(answer.context["form"].errors["started_at"])
    assert not WorkLog.objects.exists()


def test_an_out_of_hours_window_the_zone_skips_is_a_form_error(personas: Any, ticket: Any) -> None:
    move_contract(personas, "Europe/Berlin")
    answer = client_for(personas.responsible).post(
        f"/billing/tickets/{ticket.pk}/requests/",
        {
            "window_start": "2031-03-30T02:30",  # the last Sunday of March 2031 in Berlin
            "window_end": "2031-03-30T05:00",
            "estimated_hours": "2",
            "reason": "Night work",
        },
    )
    assert answer.status_code == 400
    assert set(answer.context["request_form"].errors) == {"window_start"}
    assert not OutOfHoursRequest.objects.exists()
