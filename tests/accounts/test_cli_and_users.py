from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from secondline.accounts.models import User
from secondline.cli import main


@pytest.mark.django_db
def test_a_superuser_from_the_command_line_is_a_contractor_administrator() -> None:
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    assert admin.role == User.Role.ADMIN and admin.is_contractor


def test_the_console_command_explains_itself(capsys: Any) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "secondline COMMAND" in out and "run" in out and "demo" in out


def test_an_unknown_command_is_a_clear_error_and_non_zero_exit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "secondline.cli", "no-such-command"], capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "Unknown command" in result.stderr


@pytest.mark.django_db
def test_demo_data_loads_once_and_prints_the_logins(capsys: Any) -> None:
    from django.core.management import call_command

    from secondline.tickets.models import Ticket

    call_command("demo")
    call_command("demo")
    out = capsys.readouterr().out
    assert "Demo data loaded." in out and "Demo data is already there." in out
    assert "responsible" in out and "demo-pass-2026" in out
    assert 12 <= Ticket.objects.count() <= 14
    assert set(Ticket.objects.values_list("status", flat=True)) >= {
        "new",
        "accepted",
        "in_progress",
        "waiting",
        "resolved",
        "closed",
        "declined",
    }


def test_mail_receive_tells_the_mta_to_retry_when_secondline_cannot_start(tmp_path: Any) -> None:
    import os

    env = {
        **os.environ,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "SECONDLINE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "secondline.cli", "mail", "receive"],
        input=b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n",
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 75, result.stderr.decode()
