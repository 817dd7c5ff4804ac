"""Kill the importer (SIGKILL) mid-run, run it again: nothing lost, nothing done twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mail.test_intake import plain

ROOT = Path(__file__).resolve().parents[2]
SEED = """
import django; django.setup()
from tests.factories import Personas
Personas.create()
"""
COUNT = 600


def run(env: dict[str, str], *args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "secondline.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=True,
        **kwargs,  # type: ignore[arg-type]
    )


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db, timeout=30) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.slow
def test_a_killed_import_loses_and_duplicates_nothing(tmp_path) -> None:
    db = tmp_path / "secondline.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "SECONDLINE_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
        # The replies below name their ticket by its subject tag: our server vouches for them.
        "MAIL_TRUSTED_AUTHSERV_IDS": "mx.secondline.example",
    }
    run(env, "migrate", "--no-input", "-v", "0")
    subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT, check=True, timeout=120)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(COUNT):
        if n % 3 == 0:
            raw = plain("member@example.com", subject=f"Problem {n}", body=f"Details {n}")
        elif n % 3 == 1:
            raw = plain(
                "member@example.com",
                subject=f"Re: [SL-1] more {n}",
                body=f"Logs {n}",
                Authentication_Results="mx.secondline.example; dmarc=pass header.from=example.com",
            )
        else:
            raw = plain(f"stranger{n}@elsewhere.example", body=f"Hello {n}")
        (inbox / f"{n:05d}.eml").write_bytes(raw)

    importer = subprocess.Popen(
        [
            sys.executable,
            *("-m", "secondline.cli", "mail", "import", str(inbox), "--no-progress"),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and importer.poll() is None:
        try:
            stored = rows(db, "select count(*) from mail_inboundmessage")[0][0]  # type: ignore[assignment]
        except sqlite3.OperationalError:
            stored = 0
        if stored >= COUNT // 4:
            break
        time.sleep(0.01)
    assert importer.poll() is None, "the importer finished before it could be killed"
    importer.send_signal(signal.SIGKILL)
    importer.wait(timeout=30)
    assert 0 < stored < COUNT

    again = run(env, "mail", "import", str(inbox), "--no-progress")
    summary = again.stdout.decode()
    assert f"{COUNT} received" in summary

    statuses = dict(rows(db, "select status, count(*) from mail_inboundmessage group by status"))
    assert sum(statuses.values()) == COUNT  # every message stored once
    assert set(statuses) <= {"ticket", "comment", "quarantined"}, statuses
    assert statuses["ticket"] == COUNT // 3
    assert statuses["comment"] == COUNT // 3
    assert statuses["quarantined"] == COUNT // 3
    tickets = rows(db, "select count(*) from tickets_ticket")[0][0]
    comments = rows(db, "select count(*) from tickets_comment")[0][0]
    assert (tickets, comments) == (COUNT // 3, COUNT // 3)  # nothing done twice
    per_ticket = rows(
        db,
        "select count(*) from mail_inboundmessage where status='ticket' "
        "group by result_ticket_id having count(*) > 1",
    )
    assert per_ticket == []
