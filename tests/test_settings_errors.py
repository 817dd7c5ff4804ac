"""A mistyped environment variable stops the start with one line naming it (never a traceback
ending in a library's words, never a start that fails at the first request)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from secondline.environment import envurl

ROOT = Path(__file__).resolve().parents[1]
REDIS = {"redis", "rediss", "unix"}


def _secondline(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    clean.update(SECONDLINE_VAR_DIR=str(tmp_path / "var"), HOME=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "secondline.cli", *args],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # a missing colon: dj-database-url's "Scheme '://' is unknown", not naming the variable
        ("DATABASE_URL", "postgres//db/secondline", "DATABASE_URL must be a database URL"),
        # an unquoted password: the message must not repeat it
        ("DATABASE_URL", "postgres://sl:pa/ss@db:5432/sl", "DATABASE_URL must be a database URL"),
        # no scheme: accepted before, and every session and cache use failed at runtime
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a URL such as redis://"),
        ("CELERY_BROKER_URL", "rabbit://guest@rabbit//", "got rabbit://, which is unknown"),
        ("DB_CONN_MAX_AGE", "sixty", "DB_CONN_MAX_AGE must be a whole number; got 'sixty'."),
    ],
)
@pytest.mark.parametrize("command", [["check"], ["run", "--no-worker"]])
def test_it_stops_with_one_line_naming_the_variable(
    tmp_path: Path, command: list[str], name: str, value: str, message: str
) -> None:
    result = _secondline(tmp_path, *command, **{name: value})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert result.stderr.startswith(f"secondline {command[0]}: {name} ")
    assert "pa/ss" not in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "redis://redis:6379/0",
        "rediss://:secret@redis.example:6380/1",
        "unix:///run/redis/redis.sock?db=0",
        "  redis://redis:6379/0  ",
    ],
)
def test_it_takes_the_urls_redis_takes(monkeypatch: Any, value: str) -> None:
    monkeypatch.setenv("REDIS_URL", value)
    assert envurl("REDIS_URL", "", REDIS, "redis://redis:6379/0") == value.strip()


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("localhost:6379", "got no scheme."),
        ("redis:6379", "got no scheme."),
        ("http://:secret@redis:6379", "got http://, which is unknown."),
        ("redis://a:6379;mysql://b", "got mysql://, which is unknown."),
    ],
)
def test_it_refuses_other_urls_without_repeating_them(
    monkeypatch: Any, value: str, got: str
) -> None:
    monkeypatch.setenv("REDIS_URL", value)
    with pytest.raises(ImproperlyConfigured) as refusal:
        envurl("REDIS_URL", "", REDIS, "redis://redis:6379/0")
    assert str(refusal.value) == (
        "REDIS_URL must be a URL such as redis://redis:6379/0 "
        f"(starting redis://, rediss://, unix://); {got}"
    )


def test_it_takes_a_blank_value_as_unset_and_a_broker_fail_over_list(monkeypatch: Any) -> None:
    monkeypatch.setenv("REDIS_URL", " ")
    assert envurl("REDIS_URL", "", REDIS, "redis://redis:6379/0") == ""
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://a//;amqp://b//;sqla+postgresql://c/d")
    brokers = {"amqp", "sqla"}
    assert envurl("CELERY_BROKER_URL", "x", brokers, "amqp://a//").startswith("amqp://a//;")
