"""`secondline sla due` and `secondline calendar show`: output and clear errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from secondline.cli import main
from secondline.sla.models import CalendarException

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_sla_due_prints_the_deadline_and_how_it_was_counted() -> None:
    out = run("sla", "due", "--at", "2024-11-01T18:30+03:00", "--type", "incident",
              "--priority", "low")  # fmt: skip
    assert "Incident, Low: reaction within 27 h of business time (plan Standard" in out
    assert "Due: 2024-11-06T18:30:00+03:00 (Wed 6 Nov 18:30 MSK)" in out
    assert "Mon 4 Nov public holiday (Unity Day)" in out


def test_sla_due_over_new_year() -> None:
    out = run("sla", "due", "--at", "2026-12-31T18:30+03:00", "--type", "incident",
              "--priority", "high")  # fmt: skip
    assert "Due: 2027-01-11T14:00:00+03:00" in out
    assert "Thu 31 Dec transferred day off" in out


def test_sla_due_says_a_consultation_ignores_the_priority_and_speaks_russian() -> None:
    out = run("sla", "due", "--at", "2024-11-01T18:30+03:00", "--type", "consultation",
              "--priority", "urgent", "--language", "ru")  # fmt: skip
    assert "a consultation gets normal" in out
    assert "Due: 2024-11-05T18:30:00+03:00" in out
    assert "срок Вт 5 ноября 18:30" in out


def test_sla_due_uses_the_contracts_calendar(personas) -> None:
    calendar = personas.contract.calendar
    CalendarException.objects.create(calendar=calendar, date="2024-11-05", kind="day_off",
                                     note="Office move")  # fmt: skip
    calendar.save()  # a new version: the cached calendar is rebuilt
    out = run("sla", "due", "--at", "2024-11-01T18:30+03:00", "--type", "incident",
              "--priority", "low", "--contract", "VL-1")  # fmt: skip
    assert "Tue 5 Nov company day off (Office move)" in out
    assert "Due: 2024-11-07T18:30:00+03:00" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "2024-11-01T18:30", "--type", "incident"], "has no time zone"),
        (["--at", "yesterday", "--type", "incident"], "not an ISO 8601 time"),
        (["--at", "0001-01-01T10:00+03:00", "--type", "incident"], "between the years 2000"),
        (["--at", "9999-12-31T23:59+03:00", "--type", "incident"], "between the years 2000"),
        (["--at", "9997-12-31T18:30+03:00", "--type", "incident"], "between the years 2000"),
        (["--at", "2024-11-01T18:30+03:00", "--type", "bug"], "unknown ticket type 'bug'"),
        (
            ["--at", "2024-11-01T18:30+03:00", "--type", "incident", "--priority", "asap"],
            "unknown priority",
        ),
        (
            ["--at", "2024-11-01T18:30+03:00", "--type", "incident", "--contract", "nope"],
            "no contract",
        ),
    ],
)
def test_sla_due_refuses_bad_input_clearly(args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run("sla", "due", *args)


def test_the_console_command_exits_non_zero_with_the_message(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sla", "due", "--at", "2024-11-01T18:30", "--type", "incident"])
    assert exit_.value.code != 0
    assert "has no time zone" in capsys.readouterr().err


def test_calendar_show_marks_holidays_transfers_and_working_saturdays() -> None:
    out = run("calendar", "show", "2024-11")
    lines = out.splitlines()
    assert lines[0] == "November 2024: Russia, Moscow 10:00-19:00 (Europe/Moscow)"
    assert "  Fri 01 Nov  working                     10:00-19:00" in lines
    saturday = next(line for line in lines if "Sat 02 Nov" in line)
    assert "working weekend day" in saturday and "Working Saturday" in saturday
    assert "* Mon 04 Nov  public holiday              Unity Day" in lines
    assert lines[-1] == "Working days: 21; business hours: 189 h"


def test_calendar_show_a_transferred_day_off() -> None:
    out = run("calendar", "show", "2026-01")
    assert "* Fri 09 Jan  transferred day off" in out
    assert "Working days: 15" in out


def test_calendar_show_refuses_a_bad_month() -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("calendar", "show", "2026-13")
