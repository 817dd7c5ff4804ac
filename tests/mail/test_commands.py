"""`secondline mail receive|import`: the MTA pipe's exit codes and the importer's formats."""

from __future__ import annotations

import io
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from secondline import cli
from secondline.mail import intake
from secondline.mail.models import InboundMessage
from tests.mail.test_intake import plain

Status = InboundMessage.Status
ROOT = Path(__file__).resolve().parents[2]


class Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_receive_stores_a_message_from_standard_input(member, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", Stdin(plain(member.email)))
    call_command("mail", "receive")
    message = InboundMessage.objects.get()
    assert (message.source, message.status) == ("pipe", Status.TICKET)


def test_receive_exits_75_when_the_message_cannot_be_stored(db, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise intake.StoreFailed("disk full")

    monkeypatch.setattr(intake, "store", broken)
    monkeypatch.setattr(sys, "stdin", Stdin(b"Subject: hi\r\n\r\nhello"))
    with pytest.raises(CommandError) as failure:
        call_command("mail", "receive")
    assert failure.value.returncode == 75


def test_receive_of_nothing_exits_65_so_the_mta_does_not_retry_it_for_days(db, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", Stdin(b""))
    with pytest.raises(CommandError, match="No message on standard input") as failure:
        call_command("mail", "receive")
    assert failure.value.returncode == 65
    assert not InboundMessage.objects.exists()


def test_receive_exits_75_from_the_shell_when_the_database_is_unreachable(tmp_path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        "SECONDLINE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "secondline.cli", "mail", "receive"],
        input=b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n",
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 75, result.stderr.decode()


def test_receive_with_a_mistyped_option_asks_the_mta_to_try_again(capsys) -> None:
    """Exit 2 would bounce the customer's message; 75 keeps it queued until the pipe's
    configuration is fixed."""
    assert cli.main(["mail", "receive", "--bogus"]) == 75
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_import_reads_eml_maildir_and_mbox(member, tmp_path, capsys) -> None:
    (tmp_path / "one.eml").write_bytes(plain(member.email, body="from a file"))
    maildir = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    maildir.add(plain(member.email, body="from a maildir"))
    maildir.add(plain("stranger@elsewhere.example"))
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    box.add(plain(member.email, subject="mbox one", body="one"))
    box.add(plain(member.email, subject="mbox two", body="From the start of a line\nstill two"))
    box.flush()
    box.close()
    paths = [str(tmp_path / "one.eml"), str(tmp_path / "Maildir"), str(tmp_path / "archive.mbox")]
    call_command("mail", "import", *paths, "--no-progress")
    out = capsys.readouterr().out
    assert "5 received: 4 new tickets, 0 comments, 1 quarantined, 0 duplicates" in out
    call_command("mail", "import", *paths, "--no-progress")
    assert (
        "5 received: 0 new tickets, 0 comments, 0 quarantined, 5 duplicates"
        in capsys.readouterr().out
    )
    assert InboundMessage.objects.count() == 5


def test_import_of_a_missing_path_is_a_clear_error(db) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("mail", "import", "/nonexistent/path.eml")


def test_an_unreadable_file_is_named_and_the_rest_of_its_folder_imported(
    member, tmp_path, capsys
) -> None:
    """A broken link is named, not a traceback that leaves the folder's other messages
    unread; a file name that is not UTF-8 is stored with U+FFFD for its odd bytes."""
    (tmp_path / "a.eml").write_bytes(plain(member.email, body="first"))
    (tmp_path / "b.eml").symlink_to(tmp_path / "gone.eml")
    (tmp_path / "c.eml").write_bytes(plain(member.email, body="third"))
    Path(os.fsdecode(os.fsencode(tmp_path) + b"/d\xe9.eml")).write_bytes(
        plain(member.email, body="fourth")
    )
    with pytest.raises(CommandError, match=r"1 could not be read.*\n.*b\.eml: No such file"):
        call_command("mail", "import", str(tmp_path), "--no-progress")
    assert "3 received: 3 new tickets" in capsys.readouterr().out
    sources = set(InboundMessage.objects.values_list("source", flat=True))
    assert f"import:{tmp_path}/d\ufffd.eml" in sources


def test_receive_stores_a_source_label_that_is_not_utf_8(member, monkeypatch) -> None:
    """An MTA's argument of odd bytes would otherwise fail on every retry (exit 75 for ever)."""
    monkeypatch.setattr(sys, "stdin", Stdin(plain(member.email)))
    call_command("mail", "receive", "--source", os.fsdecode(b"pipe-\xff"))
    assert InboundMessage.objects.get().source == "pipe-\ufffd"


def test_import_keeps_the_order_of_an_mbox(member, tmp_path, capsys) -> None:
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    for n in range(40):
        box.add(plain(member.email, subject=f"Problem {n}", body=f"Details {n}"))
    box.flush()
    box.close()
    call_command("mail", "import", str(tmp_path / "archive.mbox"), "--no-progress")
    assert "40 received: 40 new tickets" in capsys.readouterr().out
    subjects = InboundMessage.objects.order_by("pk").values_list("subject", flat=True)
    assert list(subjects) == [f"Problem {n}" for n in range(40)]  # in the mbox's order
