"""Helpers of the multi-node tests: an S3-compatible server (moto) and nodes as subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import need_service

ROOT = Path(__file__).resolve().parents[2]
SECRET = "multi-node-test-key-" + "x" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, limit: float = 60) -> None:
    """Poll ``condition`` until it holds; fail (never pass) after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting: {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    """A real S3-compatible server (moto_server) on 127.0.0.1 with a fresh bucket; yields the
    environment that points SecondLine at it."""
    import boto3

    port = free_port()
    moto = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: port_open(port), "moto_server to listen")
        env = {
            "STORAGE_URL": f"http://127.0.0.1:{port}",
            "STORAGE_BUCKET": f"secondline-{uuid.uuid4().hex[:8]}",
            "STORAGE_ACCESS_KEY": "testing",
            "STORAGE_SECRET_KEY": "testing",
            "STORAGE_REGION": "us-east-1",
        }
        boto3.client(
            "s3",
            endpoint_url=env["STORAGE_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=env["STORAGE_BUCKET"])
        yield env
    finally:
        stop(process)


def bucket_storages(storages: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """``storages`` with the default storage in the bucket that ``env`` names."""
    options = {
        "bucket_name": env["STORAGE_BUCKET"],
        "endpoint_url": env["STORAGE_URL"],
        "access_key": env["STORAGE_ACCESS_KEY"],
        "secret_key": env["STORAGE_SECRET_KEY"],
        "region_name": env["STORAGE_REGION"],
        "default_acl": None,
        "file_overwrite": False,
    }
    return {
        **storages,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }


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


def node_env(tmp: Path, name: str, **extra: str) -> dict[str, str]:
    """The environment of one node: its own data folder, the shared key and services."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STORAGE_", "PYTEST_", "DJANGO_"))
    }
    env.update(
        SECRET_KEY=SECRET,
        SECONDLINE_VAR_DIR=str(tmp / name),
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
