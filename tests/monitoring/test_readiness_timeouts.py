"""/readyz answers within its timeout whatever hangs, and /healthz never waits for anything."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secondline.monitoring import checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hung_database(monkeypatch: Any) -> Iterator[list[float]]:
    """The database check hangs (up to 5 s here) until the test ends; yields its start times."""
    released = threading.Event()
    calls: list[float] = []

    def hangs() -> None:
        calls.append(time.monotonic())
        released.wait(5)

    monkeypatch.setattr(checks, "_database", hangs)
    monkeypatch.setattr(checks, "TIMEOUT_SECONDS", 0.5)
    yield calls
    released.set()


@pytest.mark.django_db
def test_it_reports_a_part_that_does_not_answer_as_failing(
    client: Any, hung_database: list[float]
) -> None:
    for _probe in range(2):
        started = time.monotonic()
        answer = client.get("/readyz")
        assert time.monotonic() - started < 2
        assert answer.status_code == 503
        assert answer.json()["parts"] == {"database": "failing", "broker": "ok", "storage": "ok"}
    # the second probe waited on the check still hanging rather than starting one more
    assert len(hung_database) == 1


def _blackhole() -> tuple[socket.socket, int]:
    """A TCP server that accepts connections and never answers them: a hung database."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            held.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    return server, int(server.getsockname()[1])


def test_it_answers_when_the_postgresql_server_hangs(tmp_path: Path) -> None:
    server, port = _blackhole()
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "MEDIA_ROOT"}}
    env.update(
        DJANGO_SETTINGS_MODULE="secondline.settings",
        SECONDLINE_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"postgres://secondline@127.0.0.1:{port}/secondline",
        CELERY_BROKER_URL="memory://",
    )
    env.pop("REDIS_URL", None)
    script = (
        "import django, time; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "print(settings.DATABASES['default']['OPTIONS']['connect_timeout'])\n"
        "for path in ('/healthz', '/readyz'):\n"
        "    started = time.monotonic()\n"
        "    answer = Client().get(path)\n"
        "    print(answer.status_code, time.monotonic() - started, answer.content.decode())\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("/healthz or /readyz waited for the hung database")
    finally:
        server.close()
    timeout, healthz, readyz = result.stdout.splitlines()
    assert timeout == "10", "libpq's connect_timeout: the thread a hung check leaves ends too"
    status, seconds, body = healthz.split(" ", 2)
    assert (status, body) == ("200", '{"status": "alive"}') and float(seconds) < 1
    status, seconds, body = readyz.split(" ", 2)
    assert status == "503" and float(seconds) < checks.TIMEOUT_SECONDS + 2, result.stderr
    assert json.loads(body)["parts"] == {"database": "failing", "broker": "ok", "storage": "ok"}
