"""The production back-ends, used for real: PostgreSQL when DATABASE_URL says so, Redis as broker.

Under REQUIRE_SERVICES=1 (CI's second run) a missing service fails instead of skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.db import connection

from conftest import REQUIRE_SERVICES, need_service


def test_the_suite_runs_on_the_configured_database(db: Any) -> None:
    wanted = os.environ.get("DATABASE_URL", "sqlite")
    if wanted.startswith("postgres"):
        assert connection.vendor == "postgresql"
    elif REQUIRE_SERVICES:
        pytest.fail("REQUIRE_SERVICES=1 needs DATABASE_URL pointing at PostgreSQL")
    else:
        assert connection.vendor == "sqlite"


def test_the_embedded_database_file_is_opened_with_the_chosen_settings(tmp_path: Any) -> None:
    """WAL, and the settings docs/benchmarks.md measured ("SQLite's own settings"); read in a
    process of its own, since the suite's SQLite database lives in memory."""
    script = (
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); print(*[cursor.execute(f'PRAGMA {name}').fetchone()[0] "
        "for name in ('journal_mode', 'synchronous', 'temp_store', 'mmap_size', 'cache_size')])"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "SECONDLINE_VAR_DIR": str(tmp_path),
    }
    shown = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    # WAL; NORMAL (1); temporary data in memory (2); a 128 MB map; 32 MB of cache (in KiB)
    assert shown.stdout.split() == ["wal", "1", "2", "134217728", "-32000"]


def test_commands_on_the_embedded_database_print_no_warning(tmp_path: Any) -> None:
    """The dashboard's covering index includes its columns on PostgreSQL only; SQLite builds
    it on its key, and a user of the embedded default sees no warning about that (models.W040)
    from `migrate` or any other command."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "SECONDLINE_VAR_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "secondline.cli", "check", "--database", "default"]
    shown = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "no issues (1 silenced)" in shown.stdout, shown.stdout + shown.stderr
    assert "W040" not in shown.stderr


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        need_service("Redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        need_service("Redis", str(exc))
    return url


def test_a_task_travels_through_redis_to_a_real_worker(redis_url: str) -> None:
    """The same task code the embedded worker runs, sent through a Redis broker."""
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    app = Celery("secondline-redis-check", broker=redis_url, backend=redis_url)
    app.conf.task_always_eager = False
    results: list[int] = []
    done = threading.Event()

    @app.task(name="secondline.tests.double")
    def double(value: int) -> int:
        results.append(value * 2)
        done.set()
        return value * 2

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        async_result = double.delay(21)
        assert async_result.get(timeout=20) == 42
    assert done.is_set() and results == [42]
