"""More than one machine: files in S3-compatible storage, cache and sessions in Redis, one
scheduler among all nodes, and two web nodes serving the same people and tickets.

The storage test runs everywhere (moto_server comes with the dev dependencies); the Redis and
PostgreSQL ones skip without those services, and fail instead under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from conftest import need_service
from secondline.tickets import attachments
from tests.factories import file_ticket
from tests.services.scale_out import (
    bucket_storages,
    node_env,
    port_open,
    redis_url,
    s3_server,
    start,
    stop,
    wait_until,
)

SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, "
    "s.STORAGES['default']['BACKEND']]))"
)


def _settings_under(env: dict[str, str], tmp_path: Path) -> list[str]:
    clean = node_env(tmp_path, "settings", DJANGO_SETTINGS_MODULE="secondline.settings")
    clean.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_one_machine_by_default_shared_services_when_configured(tmp_path: Path) -> None:
    assert _settings_under({}, tmp_path) == [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
        "django.core.files.storage.FileSystemStorage",
    ]
    shared = {"REDIS_URL": "redis://127.0.0.1:6379/9", "STORAGE_BUCKET": "files"}
    assert _settings_under(shared, tmp_path) == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cache",
        "storages.backends.s3.S3Storage",
    ]


@pytest.mark.django_db
def test_attachments_are_stored_in_and_served_from_object_storage(
    settings: Any, client: Any, member: Any
) -> None:
    import boto3

    with s3_server() as env:
        settings.STORAGES = bucket_storages(settings.STORAGES, env)
        ticket = file_ticket(member)
        upload = attachments.UploadedFile(
            "trace.log", ContentFile(b"stack trace"), 11, "text/plain"
        )
        attachment = attachments.add_attachment(ticket, member, upload)
        s3 = boto3.client(
            "s3",
            endpoint_url=env["STORAGE_URL"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        stored = s3.get_object(Bucket=env["STORAGE_BUCKET"], Key=attachment.file.name)
        assert stored["Body"].read() == b"stack trace"
        from django.core.files.storage import default_storage
        from storages.backends.s3 import S3Storage

        assert isinstance(default_storage._wrapped, S3Storage)  # type: ignore[attr-defined]
        client.force_login(member)
        response = client.get(f"/tickets/{ticket.pk}/files/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"stack trace"


def _beat(tmp_path: Path, name: str, redis: str, prefix: str) -> subprocess.Popen[bytes]:
    env = node_env(
        tmp_path,
        name,
        REDIS_URL=redis,
        CELERY_BROKER_URL=redis,
        CACHE_KEY_PREFIX=prefix,
        SCHEDULER_LOCK_SECONDS="8",
    )
    command = [sys.executable, "-m", "celery", "-A", "secondline", "beat", "--loglevel", "INFO"]
    command += ["--schedule", str(tmp_path / name / "celerybeat-schedule")]
    (tmp_path / name).mkdir()
    return start(command, env, tmp_path / f"{name}.log")


@pytest.mark.services
def test_two_nodes_started_at_once_run_exactly_one_scheduler(tmp_path: Path) -> None:
    import redis as redis_client

    url = redis_url()
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    key = f"{prefix}:scheduler"
    beats = {name: _beat(tmp_path, name, url, prefix) for name in ("a", "b")}
    client = redis_client.Redis.from_url(url)

    def log(name: str) -> str:
        return (tmp_path / f"{name}.log").read_text(errors="replace")

    try:
        wait_until(lambda: client.get(key) is not None, "one beat to take the lock")
        wait_until(lambda: any("standing by" in log(n) for n in beats), "the other to stand by")
        holder_pid = int(client.get(key).decode().rsplit(":", 1)[1])  # type: ignore[union-attr]
        holder = next(n for n, p in beats.items() if p.pid == holder_pid)
        other = "b" if holder == "a" else "a"
        wait_until(lambda: "scheduler lock taken" in log(holder), "the holder to say so")
        assert beats[other].poll() is None, "the other node's beat waits, it does not exit"

        beats[holder].send_signal(signal.SIGKILL)  # the node dies without releasing the lock
        beats[holder].wait()
        wait_until(
            lambda: client.get(key) == f"{socket.gethostname()}:{beats[other].pid}".encode(),
            "the standby to take over once the lock expires",
        )
        wait_until(lambda: "scheduler lock taken" in log(other), "the new holder to say so")
        assert beats[other].poll() is None
    finally:
        for process in beats.values():
            stop(process)
        client.delete(key)


def _web(tmp_path: Path, name: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    (tmp_path / name).mkdir()
    command = [sys.executable, "-m", "gunicorn", "secondline.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"]
    command += ["--no-control-socket"]  # two nodes of one user: docs/production.md says why
    return start(command, node_env(tmp_path, name, **env), tmp_path / f"{name}.log")


def _database_url() -> str:
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_web_nodes_share_people_tickets_and_files(tmp_path: Path) -> None:
    import requests
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import Personas
    from tests.services.scale_out import free_port

    database, redis = _database_url(), redis_url()  # skip before writing anything
    people = Personas.create()
    hasher = PBKDF2PasswordHasher()
    for person in (people.member, people.agent):  # the nodes know production hashers, not MD5
        person.password = hasher.encode("pw", hasher.salt(), iterations=1000)
        person.save(update_fields=["password"])

    shared = {
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    ports = [free_port(), free_port()]
    with s3_server() as storage:
        nodes = [
            _web(tmp_path, f"web{i}", port, {**shared, **storage}) for i, port in enumerate(ports)
        ]
        try:
            for port in ports:
                wait_until(lambda port=port: port_open(port), f"a web node on {port}")
            a, b = (f"http://127.0.0.1:{port}" for port in ports)
            _signed_in_on_one_node_is_signed_in_on_the_other(requests, a, b)
            _the_session_lives_in_redis(shared["REDIS_URL"], shared["CACHE_KEY_PREFIX"])
            _file_reply_and_download_across_nodes(requests, a, b)
        finally:
            for node in nodes:
                stop(node)
            if os.environ.get("SHOW_NODE_LOGS"):
                print(*(p.read_text() for p in tmp_path.glob("web*.log")))


def _signed_in_on_one_node_is_signed_in_on_the_other(requests: Any, a: str, b: str) -> None:
    browser = requests.Session()
    browser.get(f"{a}/login/", timeout=30)
    answer = browser.post(
        f"{a}/login/",
        data={
            "username": "member",
            "password": "pw",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{a}/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    page = browser.get(f"{b}/tickets/", allow_redirects=False, timeout=30)
    assert page.status_code == 200, f"node B does not know the session: {page.headers}"


def _the_session_lives_in_redis(url: str, prefix: str) -> None:
    import redis
    from django.contrib.sessions.models import Session

    keys = redis.Redis.from_url(url).keys(f"{prefix}:*")
    assert any(b"sessions.cache" in key for key in keys), keys
    assert not Session.objects.exists()


def _token(requests: Any, node: str, username: str) -> dict[str, str]:
    answer = requests.post(
        f"{node}/api/auth/token/", json={"username": username, "password": "pw"}, timeout=30
    )
    assert answer.status_code in (200, 201), answer.text[:500]
    return {"Authorization": f"Token {answer.json()['token']}"}


def _file_reply_and_download_across_nodes(requests: Any, a: str, b: str) -> None:
    customer, engineer = _token(requests, a, "member"), _token(requests, b, "agent")
    incident = {
        "type": "incident",
        "priority": "high",
        "subject": "Shipments cannot be posted",
        "description": "Posting fails with error 500",
        "occurred_at": "2026-11-20T11:00:00+03:00",
        "impact": "Warehouse blocked",
        "steps_to_reproduce": "Open a shipment, press Post",
    }
    filed = requests.post(f"{a}/api/tickets/", json=incident, headers=customer, timeout=30)
    assert filed.status_code == 201, filed.text[:500]
    ticket = filed.json()["id"]
    uploaded = requests.post(
        f"{a}/api/tickets/{ticket}/attachments/",
        files={"file": ("trace.log", b"the stack trace", "text/plain")},
        headers=customer,
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text[:500]
    file_id = uploaded.json()["id"]
    reply = requests.post(
        f"{b}/api/tickets/{ticket}/comments/",
        json={"body": "Found it in the trace, fixing."},
        headers=engineer,
        timeout=30,
    )
    assert reply.status_code == 201, reply.text[:500]
    download = requests.get(
        f"{b}/api/tickets/{ticket}/attachments/{file_id}/download/", headers=engineer, timeout=30
    )
    assert download.status_code == 200 and download.content == b"the stack trace"
    thread = requests.get(f"{a}/api/tickets/{ticket}/comments/", headers=customer, timeout=30)
    bodies = (
        [c["body"] for c in thread.json()["results"]]
        if "results" in thread.json()
        else [c["body"] for c in thread.json()]
    )
    assert "Found it in the trace, fixing." in bodies
