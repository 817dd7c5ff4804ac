"""Back-office input the business calendar cannot be built from is refused with a field error:
saved, a misspelt time zone or reversed hours made every filing on the calendar fail."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from secondline.sla.models import CalendarException, WorkingCalendar, default_weekly_hours
from tests.factories import default_calendar, file_ticket

pytestmark = pytest.mark.django_db

DAY = [["10:00", "19:00"]]


def _codes(row: WorkingCalendar | CalendarException) -> dict[str, list[str | None]]:
    """The refused fields and their error codes; {} when the row is accepted."""
    try:
        row.full_clean(exclude=["calendar"])
    except ValidationError as error:
        return {name: [e.code for e in errors] for name, errors in error.error_dict.items()}
    return {}


@pytest.mark.parametrize(
    ("time_zone", "weekly_hours", "refused"),
    [
        ("Europe/Moscow", default_weekly_hours(), {}),
        ("Europe/Berlin", {"5": [["10:00", "14:00"]]}, {}),  # Saturdays only
        ("Asia/Vladivostok", {"0": [["08:00", "12:00"], ["13:00", "00:00"]]}, {}),  # to midnight
        ("Europe/Moskow", default_weekly_hours(), {"time_zone": ["unknown_time_zone"]}),
        ("Europe", default_weekly_hours(), {"time_zone": ["unknown_time_zone"]}),
        ("/etc/localtime", default_weekly_hours(), {"time_zone": ["unknown_time_zone"]}),
        (
            "Europe/Moscow",
            {"0": [["19:00", "10:00"]]},
            {"weekly_hours": ["weekly_hours_intervals"]},
        ),
        (
            "Europe/Moscow",
            {"0": [["10:00", "15:00"], ["14:00", "19:00"]]},  # overlap
            {"weekly_hours": ["weekly_hours_intervals"]},
        ),
        ("Europe/Moscow", {"7": DAY}, {"weekly_hours": ["weekly_hours_shape"]}),  # no weekday 7
        ("Europe/Moscow", {"0": ["10:00", "19:00"]}, {"weekly_hours": ["weekly_hours_shape"]}),
        ("Europe/Moscow", {"0": [["10:00", "25:00"]]}, {"weekly_hours": ["weekly_hours_shape"]}),
        ("Europe/Moscow", {"0": [[10, 19]]}, {"weekly_hours": ["weekly_hours_shape"]}),
        ("Europe/Moscow", [DAY], {"weekly_hours": ["weekly_hours_shape"]}),
        ("Europe/Moscow", {"0": [], "6": []}, {"weekly_hours": ["weekly_hours_none"]}),
    ],
)
def test_it_refuses_a_calendar_that_cannot_be_built(time_zone, weekly_hours, refused) -> None:
    row = WorkingCalendar(name="Table", time_zone=time_zone, weekly_hours=weekly_hours)
    assert _codes(row) == refused


SAT = dt.date(2026, 3, 7)


@pytest.mark.parametrize(
    ("kind", "opens_at", "closes_at", "refused"),
    [
        ("working_day", dt.time(10), dt.time(19), {}),
        ("working_day", None, None, {}),  # the weekday's usual hours
        ("working_day", dt.time(19), dt.time(0), {}),  # 00:00 is midnight
        ("day_off", None, None, {}),
        ("working_day", dt.time(19), dt.time(10), {"closes_at": ["reversed_hours"]}),
        ("working_day", dt.time(10), dt.time(10), {"closes_at": ["reversed_hours"]}),
        ("working_day", dt.time(10), None, {"closes_at": ["half_hours"]}),
        ("working_day", None, dt.time(19), {"opens_at": ["half_hours"]}),
        ("working_day", dt.time(10, 0, 0, 500), dt.time(19), {"opens_at": ["fractional_time"]}),
        ("day_off", dt.time(10), dt.time(19), {"opens_at": ["day_off_hours"]}),
    ],
)
def test_it_refuses_exception_hours_the_calendar_refuses(kind, opens_at, closes_at, refused):
    row = CalendarException(date=SAT, kind=kind, opens_at=opens_at, closes_at=closes_at)
    assert _codes(row) == refused


# -- the back office ------------------------------------------------------------------------


def _calendar_form(row: WorkingCalendar | None = None, /, **values: str) -> dict[str, str]:
    """The admin page's form of a calendar with one exception row (blank: left out)."""
    existing = list(row.exceptions.all()) if row else []
    data = {
        "name": row.name if row else "Berlin office",
        "time_zone": row.time_zone if row else "Europe/Berlin",
        "country": row.country if row else "",
        "weekly_hours": json.dumps(row.weekly_hours if row else default_weekly_hours()),
        "exceptions-TOTAL_FORMS": str(len(existing) + 1),
        "exceptions-INITIAL_FORMS": str(len(existing)),
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
    }
    for index, exc in enumerate(existing):
        prefix = f"exceptions-{index}-"
        data |= {f"{prefix}id": str(exc.pk), f"{prefix}date": str(exc.date)}
        data |= {f"{prefix}kind": exc.kind, f"{prefix}note": exc.note}
    return data | values


REVERSED_SATURDAY = {
    "date": "2026-03-07",
    "kind": "working_day",
    "opens_at": "19:00",
    "closes_at": "10:00",
    "note": "working Saturday",
}


def _extra(row: WorkingCalendar | None, fields: dict[str, str]) -> dict[str, str]:
    index = row.exceptions.count() if row else 0
    return {f"exceptions-{index}-{name}": value for name, value in fields.items()}


def test_the_add_form_shows_a_misspelt_time_zone(admin_client: Any) -> None:
    data = _calendar_form(time_zone="Europe/Moskow")
    response = admin_client.post(reverse("admin:sla_workingcalendar_add"), data)
    assert response.status_code == 200
    assert "Unknown time zone “Europe/Moskow”" in response.content.decode()
    assert not WorkingCalendar.objects.filter(name="Berlin office").exists()


def test_the_add_form_shows_reversed_exception_hours(admin_client: Any) -> None:
    data = _calendar_form(**_extra(None, REVERSED_SATURDAY))
    response = admin_client.post(reverse("admin:sla_workingcalendar_add"), data)
    assert response.status_code == 200
    assert "The closing time must come after the opening time" in response.content.decode()
    assert not WorkingCalendar.objects.filter(name="Berlin office").exists()


def test_the_calendar_in_use_keeps_filing_after_a_refused_change(
    admin_client: Any, clock: Any, member: Any
) -> None:
    row = default_calendar()
    data = _calendar_form(row, **_extra(row, REVERSED_SATURDAY))
    response = admin_client.post(reverse("admin:sla_workingcalendar_change", args=[row.pk]), data)
    assert response.status_code == 200
    assert "The closing time must come after the opening time" in response.content.decode()
    assert not row.exceptions.filter(date=SAT).exists()
    assert file_ticket(member).reaction_due_at is not None
