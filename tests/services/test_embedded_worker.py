"""The embedded default for real: a SQLite file and a Celery worker whose broker is a folder.

A ticket filed in one process queues its notification; a separately started worker, with no
server of any kind, picks it up and sends it (to files, the embedded mail default): published
when the filing commits with no batching window, relayed by the scheduler once the window has
closed with one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FILE_A_TICKET = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.factories import Personas, file_ticket
with __import__("django").db.transaction.atomic():
    personas = Personas.create()
print(file_ticket(personas.member).pk)
"""

COUNT_SENT = """
import django; django.setup()
from secondline.mail.models import Notification
print(Notification.objects.filter(status="sent").count())
"""


@pytest.mark.slow
@pytest.mark.parametrize("window", ["0", "2"], ids=["published-at-commit", "relayed-by-beat"])
def test_the_embedded_worker_delivers_what_the_web_process_queued(
    tmp_path: Path, window: str
) -> None:
    env = {
        **os.environ,
        "SECONDLINE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "secondline.settings",
        "NOTIFY_BATCH_SECONDS": window,
        "NOTIFY_RELAY_SECONDS": "1",
    }
    for name in ("CELERY_BROKER_URL", "EMAIL_HOST", "EMAIL_BACKEND", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    run = {"env": env, "cwd": ROOT, "capture_output": True, "text": True, "timeout": 120}
    filed = subprocess.run([sys.executable, "-c", FILE_A_TICKET], **run)  # type: ignore[call-overload]
    assert filed.returncode == 0, filed.stderr
    queued = list((tmp_path / "queue" / "out").iterdir())
    assert bool(queued) == (window == "0"), "published at commit only without a window"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "secondline",
            "worker",
            "--pool",
            "solo",
            *(["--beat"] if window != "0" else []),
            "--loglevel",
            "WARNING",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        sent = "0"
        while time.time() < deadline and sent == "0":
            time.sleep(1)
            counted = subprocess.run([sys.executable, "-c", COUNT_SENT], **run)  # type: ignore[call-overload]
            sent = counted.stdout.strip() or "0"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert sent == "1"
    mails = list((tmp_path / "sent-mail").iterdir())
    assert len(mails) == 1 and "SL-" in mails[0].read_text()
