"""The system check that warns while the Russian transfer decree of a year is not in the data."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import checks
from django.core.management import call_command

from secondline.sla.checks import russian_decree_check

MSK = ZoneInfo("Europe/Moscow")

CASES = [
    # (Moscow time, years warned about, why); python-holidays 0.108 knows the decrees to 2027
    ("2026-09-30 23:59", [], "2026 is known, and next year is not asked about before 1 October"),
    ("2026-10-01 00:00", [], "from 1 October next year is asked about: 2027 is known"),
    ("2026-12-31 23:59", [], "2027 is known"),
    ("2027-09-30 23:59", [], "2028 is unknown, but it is not October yet"),
    ("2027-10-01 00:00", [2028], "from 1 October: 2028 is unknown"),
    ("2027-10-01 02:59", [2028], "still 30 September in UTC: the day is the local (Moscow) one"),
    ("2027-12-31 23:59", [2028], "to the end of the year"),
    ("2028-03-01 10:00", [2028], "this year unknown: warned all year"),
    ("2028-10-01 10:00", [2028, 2029], "this year and next year unknown"),
]


@pytest.mark.parametrize(("now", "years", "why"), CASES)
def test_it_warns_about_a_missing_decree(now: str, years: list[int], why: str) -> None:
    moment = datetime.fromisoformat(now).replace(tzinfo=MSK)
    with time_machine.travel(moment, tick=False):
        warnings = russian_decree_check()
    assert [w.id for w in warnings] == ["sla.W001"] * len(years), why
    for warning, year in zip(warnings, years, strict=True):
        assert warning.level == checks.WARNING
        assert f"for {year} are not in the calendar data" in warning.msg
        assert "art. 112 part 2" in warning.msg
        assert "calendar exceptions in the back office" in str(warning.hint)
        assert "upgrade SecondLine" in str(warning.hint)


def test_it_is_registered_and_shown_by_check() -> None:
    assert russian_decree_check in checks.registry.registry.get_checks()
    shown = StringIO()
    with time_machine.travel(datetime(2027, 10, 1, 9, tzinfo=MSK), tick=False):
        call_command("check", stdout=StringIO(), stderr=shown)
    assert "(sla.W001) The Russian Government's transfers of days off for 2028" in (
        shown.getvalue()
    )


def test_it_is_quiet_for_a_known_year() -> None:
    shown = StringIO()
    with time_machine.travel(datetime(2026, 10, 1, 9, tzinfo=MSK), tick=False):
        call_command("check", stdout=StringIO(), stderr=shown)
    assert "sla.W001" not in shown.getvalue()


@pytest.mark.django_db
def test_secondline_run_shows_it_before_it_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    """`run` is how the embedded default starts; gunicorn and Celery do not run checks."""
    from secondline import cli

    started: list[dict[str, list[str]]] = []

    class Supervisor:
        def __init__(self, commands: dict[str, list[str]], banner: str) -> None:
            started.append(commands)

        def run(self) -> int:
            return 0

    monkeypatch.setattr(cli, "Supervisor", Supervisor)
    monkeypatch.setattr(cli, "scheduler_running", lambda folder: None, raising=False)
    with time_machine.travel(datetime(2027, 10, 2, 12, tzinfo=MSK), tick=False):
        assert cli.run(["--no-worker"]) == 0
    assert started
    assert "sla.W001" in capsys.readouterr().err
